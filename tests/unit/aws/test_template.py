"""The SAM template against the package it deploys: handlers exist, tables match the adapters,
references resolve, and IAM stays least-privilege. (cfn-lint checks the CloudFormation side.)"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest
from cfnlint.decode import decode_str

from calledit.aws.connections import CONNECTIONS_TABLE, TTL_ATTRIBUTE
from calledit.storage.dynamodb import CALLS_TABLE

ROOT = Path(__file__).resolve().parents[3]
TEMPLATE = ROOT / "deploy" / "aws" / "template.yaml"
PSEUDO = {"AWS::Region", "AWS::AccountId", "AWS::Partition", "AWS::StackName", "AWS::NoValue", "AWS::URLSuffix"}


@pytest.fixture(scope="module")
def template() -> dict[str, Any]:
    decoded, problems = decode_str(TEMPLATE.read_text())
    assert not problems
    return dict(decoded)


def resources(template: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def walk(node: Any) -> Any:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def test_every_function_handler_is_a_callable_in_the_package(template: dict[str, Any]) -> None:
    functions = resources(template, "AWS::Serverless::Function")
    assert set(functions) == {
        "ConnectFunction", "DisconnectFunction", "MakeCallStreamFunction", "DefaultFunction",
        "ConnectAuthorizerFunction", "ApiFunction", "VerificationScanFunction",
    }
    code_uri = ROOT / "deploy" / "aws" / template["Globals"]["Function"]["CodeUri"]
    for name, function in functions.items():
        module_name, _, attribute = function["Properties"]["Handler"].rpartition(".")
        assert (code_uri / (module_name.replace(".", "/") + ".py")).is_file(), name
        handler = getattr(importlib.import_module(module_name), attribute)
        assert callable(handler), name
        assert handler.__code__.co_argcount == 2, f"{name}: a Lambda handler takes (event, context)"


def test_the_seeds_resources_are_all_there(template: dict[str, Any]) -> None:
    api = template["Resources"]["WebSocketApi"]["Properties"]
    assert api["ProtocolType"] == "WEBSOCKET"
    assert api["RouteSelectionExpression"] == "$request.body.action"
    routes = {r["Properties"]["RouteKey"]: r for r in resources(template, "AWS::ApiGatewayV2::Route").values()
              if r["Properties"]["ApiId"] == {"Ref": "WebSocketApi"}}
    assert set(routes) == {"$connect", "$disconnect", "makecall", "$default"}
    integrations = resources(template, "AWS::ApiGatewayV2::Integration")
    for key, route in routes.items():
        target = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        assert integrations[target]["Properties"]["IntegrationType"] == "AWS_PROXY", key
    stage = template["Resources"]["WebSocketStage"]["Properties"]
    assert stage["StageName"] == "prod" and stage["AutoDeploy"] is True and "DeploymentId" not in stage
    depends = set(template["Resources"]["WebSocketStage"]["DependsOn"])
    assert depends == {"ConnectRoute", "DisconnectRoute", "MakeCallStreamRoute", "DefaultRoute"}
    stream = template["Resources"]["MakeCallStreamFunction"]["Properties"]
    assert stream["Timeout"] == 300 and stream["MemorySize"] == 512
    assert template["Globals"]["Function"]["Runtime"] == "python3.12"
    assert "WebSocketApiEndpoint" in template["Outputs"]


def test_each_route_may_invoke_only_its_own_function(template: dict[str, Any]) -> None:
    permissions = resources(template, "AWS::Lambda::Permission")
    by_function = {p["Properties"]["FunctionName"]["Ref"]: p["Properties"]["SourceArn"]["Fn::Sub"]
                   for p in permissions.values()}
    assert by_function["ConnectFunction"].endswith("${WebSocketApi}/*/$connect")
    assert by_function["DisconnectFunction"].endswith("${WebSocketApi}/*/$disconnect")
    assert by_function["MakeCallStreamFunction"].endswith("${WebSocketApi}/*/makecall")
    assert by_function["DefaultFunction"].endswith("${WebSocketApi}/*/$default")
    assert by_function["ConnectAuthorizerFunction"].endswith("${WebSocketApi}/authorizers/${ConnectAuthorizer}")
    assert by_function["ApiFunction"].endswith("${HttpApi}/*")
    scan = template["Resources"]["VerificationScanFunction"]["Properties"]
    assert scan["Events"]["Scan"]["Type"] == "Schedule"  # EventBridge invokes it, not API Gateway
    lease = int(scan["Environment"]["Variables"]["CALLEDIT_VERIFY_LEASE_SECONDS"])
    assert lease > scan["Timeout"], "a lease must outlive the function, or a timed-out check runs twice"


def test_tables_match_the_adapters(template: dict[str, Any]) -> None:
    calls = template["Resources"]["CallsTable"]["Properties"]
    for key in ("AttributeDefinitions", "KeySchema", "LocalSecondaryIndexes", "GlobalSecondaryIndexes", "BillingMode"):
        assert calls[key] == CALLS_TABLE[key], key
    connections = template["Resources"]["ConnectionsTable"]["Properties"]
    for key in ("AttributeDefinitions", "KeySchema", "GlobalSecondaryIndexes", "BillingMode"):
        assert connections[key] == CONNECTIONS_TABLE[key], key
    assert connections["TimeToLiveSpecification"] == {"AttributeName": TTL_ATTRIBUTE, "Enabled": True}


def statements(template: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """A function's policy statements, a conditional one (`!If [Cond, statement, AWS::NoValue]`) as its
    statement with the condition named under `_if`."""
    found = []
    for policy in template["Resources"][name]["Properties"].get("Policies", []):
        assert isinstance(policy, dict), f"{name}: managed policies are too broad"
        for statement in policy["Statement"]:
            if "Fn::If" in statement:
                condition, statement, otherwise = statement["Fn::If"]
                assert otherwise == {"Ref": "AWS::NoValue"}, name
                statement = {**statement, "_if": condition}
            found.append(statement)
    return found


def test_iam_is_least_privilege(template: dict[str, Any]) -> None:
    text = TEMPLATE.read_text()
    assert "FullAccess" not in text
    for name in resources(template, "AWS::Serverless::Function"):
        for statement in statements(template, name):
            for action in statement["Action"]:
                assert "*" not in action, f"{name}: wildcard action {action}"
                if action.startswith("dynamodb:"):
                    assert action.split(":")[1] in {"GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query"}
                if action == "execute-api:ManageConnections":
                    resource = statement["Resource"]["Fn::Sub"]
                    assert "${WebSocketApi}/prod/POST/@connections/*" in resource, name
    # Only the functions that post to sockets may, and only the model function may call Bedrock.
    def actions(name: str) -> set[str]:
        found = set()
        for statement in statements(template, name):
            found |= set(statement["Action"])
        return found

    assert "execute-api:ManageConnections" not in actions("ConnectFunction")
    # The REST function posts verdicts set by hand to the owner's sockets, calls no model, and reads the key.
    assert {a for a in actions("ApiFunction") if not a.startswith("dynamodb:")} == {
        "execute-api:ManageConnections", "secretsmanager:GetSecretValue", "ssm:GetParameter"}
    def endpoint(name: str) -> Any:
        return template["Resources"][name]["Properties"]["Environment"]["Variables"]["CALLEDIT_MANAGEMENT_ENDPOINT"]

    assert endpoint("ApiFunction") == endpoint("VerificationScanFunction")
    assert {a for a in actions("DefaultFunction") if a.startswith("bedrock:")} == set()
    assert actions("ConnectFunction") == {"dynamodb:PutItem"}
    assert actions("DisconnectFunction") == {"dynamodb:DeleteItem"}
    # The authorizer looks personal API tokens up in the calls table, and does nothing else there.
    assert statements(template, "ConnectAuthorizerFunction") == [
        {"Effect": "Allow", "Action": ["dynamodb:GetItem", "dynamodb:UpdateItem"],
         "Resource": {"Fn::GetAtt": ["CallsTable", "Arn"]}}]


def test_the_log_key_comes_from_one_secret_read_only_by_the_functions_that_write_calls(
    template: dict[str, Any]
) -> None:
    source = template["Parameters"]["LogSigningKeySource"]
    assert source["AllowedValues"] == ["secretsmanager", "ssm", "none"] and source["Default"] == "secretsmanager"
    writers = {"ApiFunction", "VerificationScanFunction"}
    for name in resources(template, "AWS::Serverless::Function"):
        conditional = {s["_if"]: s for s in statements(template, name) if "_if" in s}
        variables = template["Resources"][name]["Properties"].get("Environment", {}).get("Variables", {})
        if name not in writers:
            assert not {"KeyInSecretsManager", "KeyInSsm"} & set(conditional), name
            assert "CALLEDIT_LOG_SIGNING_KEY_SECRET" not in variables, name
            continue
        secret, parameter = conditional["KeyInSecretsManager"], conditional["KeyInSsm"]
        assert secret["Action"] == ["secretsmanager:GetSecretValue"]
        assert secret["Resource"]["Fn::Sub"].endswith(":secret:${LogSigningKeyName}-??????")  # this secret only
        assert parameter["Action"] == ["ssm:GetParameter"]
        assert parameter["Resource"]["Fn::Sub"].endswith(":parameter/${LogSigningKeyName}")
        assert variables["CALLEDIT_LOG_SIGNING_KEY_SECRET"] == {
            "Fn::If": ["KeyInSecretsManager", {"Ref": "LogSigningKeyName"}, {"Ref": "AWS::NoValue"}]}
        assert variables["CALLEDIT_LOG_SIGNING_KEY_PARAMETER"] == {
            "Fn::If": ["KeyInSsm", {"Fn::Sub": "/${LogSigningKeyName}"}, {"Ref": "AWS::NoValue"}]}
    # the variables the code reads are the ones the template sets
    from calledit.aws.config import AwsSettings

    assert {"log_signing_key_secret", "log_signing_key_parameter"} <= set(AwsSettings.model_fields)


def test_only_the_scanner_sends_email_and_only_as_the_configured_identity(template: dict[str, Any]) -> None:
    senders = {name for name in resources(template, "AWS::Serverless::Function")
               if any(a.startswith("ses:") for s in statements(template, name) for a in s["Action"])}
    assert senders == {"VerificationScanFunction"}
    ses = next(s for s in statements(template, "VerificationScanFunction") if s.get("_if") == "EmailOn")
    assert ses["Action"] == ["ses:SendEmail", "ses:SendRawEmail"]
    assert ses["Resource"]["Fn::Sub"].endswith(":identity/${EmailIdentity}")
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["CALLEDIT_EMAIL"] == {"Fn::If": ["EmailOn", "ses", {"Ref": "AWS::NoValue"}]}
    assert env["CALLEDIT_EMAIL_FROM"] == {"Fn::If": ["EmailOn", {"Ref": "EmailFrom"}, {"Ref": "AWS::NoValue"}]}


def test_public_pages_are_routed_without_a_token(template: dict[str, Any]) -> None:
    routes = {r["Properties"]["RouteKey"]: r["Properties"] for r in resources(template, "AWS::ApiGatewayV2::Route")
              .values() if r["Properties"]["ApiId"] == {"Ref": "HttpApi"}}
    for key in ("GET /c/{proxy+}", "GET /u/{proxy+}"):
        assert routes[key]["AuthorizationType"] == "NONE", key
    methods = template["Resources"]["HttpApi"]["Properties"]["CorsConfiguration"]["AllowMethods"]
    assert {"PUT", "PATCH"} <= set(methods)  # settings and edits from the browser


def test_auth_can_be_turned_off_for_a_dev_stack(template: dict[str, Any]) -> None:
    assert template["Parameters"]["AuthMode"]["AllowedValues"] == ["cognito", "none"]
    connect = template["Resources"]["ConnectRoute"]["Properties"]
    assert connect["AuthorizationType"] == {"Fn::If": ["AuthOn", "CUSTOM", "NONE"]}
    authorizer = template["Resources"]["ConnectAuthorizer"]
    assert authorizer["Condition"] == "AuthOn"
    assert authorizer["Properties"]["AuthorizerType"] == "REQUEST"
    # ?token= or the bearer subprotocol: a listed identity source would refuse connects using the other
    assert "IdentitySource" not in authorizer["Properties"]
    env = template["Globals"]["Function"]["Environment"]["Variables"]
    assert env["CALLEDIT_AUTH"] == {"Fn::If": ["AuthOn", "oidc", "none"]}


def test_every_function_has_a_log_group_with_retention(template: dict[str, Any]) -> None:
    groups = resources(template, "AWS::Logs::LogGroup")
    named = {g["Properties"]["LogGroupName"]["Fn::Sub"] for g in groups.values()}
    for name in resources(template, "AWS::Serverless::Function"):
        assert f"/aws/lambda/${{{name}}}" in named
    assert all(g["Properties"]["RetentionInDays"] == {"Ref": "LogRetentionDays"} for g in groups.values())


def test_every_reference_resolves(template: dict[str, Any]) -> None:
    known = set(template["Resources"]) | set(template["Parameters"]) | PSEUDO
    for node in walk(template["Resources"]):
        if not isinstance(node, dict):
            continue
        if "Ref" in node:
            assert node["Ref"] in known, node
        if "Fn::GetAtt" in node:
            assert node["Fn::GetAtt"][0] in template["Resources"], node
        if "Fn::Sub" in node:
            text = node["Fn::Sub"] if isinstance(node["Fn::Sub"], str) else node["Fn::Sub"][0]
            for name in re.findall(r"\$\{([^}!]+)\}", text):
                assert name.split(".")[0] in known, (name, text)


# Installed by the local server and the CLI only; everything else the package needs, Lambda needs too.
NOT_ON_LAMBDA = {"uvicorn", "websockets", "rich", "typer"}


def requirement_names(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        line = line.split("#", 1)[0].strip()
        if line:
            name = re.split(r"[\[<>=!~ ]", line, maxsplit=1)[0].lower().replace("_", "-")
            found[name] = line
    return found


def test_lambda_requirements_follow_pyproject() -> None:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = requirement_names(project["dependencies"] + project["optional-dependencies"]["aws"])
    for name in NOT_ON_LAMBDA:
        wanted.pop(name, None)
    shipped = requirement_names((ROOT / "deploy" / "aws" / "requirements.txt").read_text().splitlines())
    assert shipped == wanted, "deploy/aws/requirements.txt must list pyproject's runtime dependencies"
