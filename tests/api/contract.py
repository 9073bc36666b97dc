"""Validation of real responses against the reference contract (Folder API 1.2.7, OpenAPI 3.0).

The YAML's schemas become JSON Schema (OpenAPI's `nullable` turned into a null type); each response is
checked against the schema of its operation and status code. An error status the contract does not list
for the operation (401 without a token, 403/404 of isolation) must still have the contract's `Error` body.
"""

import re
import uuid
from datetime import datetime
from pathlib import Path

import httpx
import yaml
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

CONTRACT_PATH = Path(__file__).resolve().parents[3] / "shared" / "reference" / "hubee-api" / "api_folder_v1.2.7.yaml"
BASE = "/teledossiers/v1"
URI = "urn:hubee:folder-api-1.2.7"
ERROR_REF = {"$ref": f"{URI}#/components/schemas/Error"}

formats = FormatChecker()


@formats.checks("date-time", raises=ValueError)
def _date_time(value) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value.replace("Z", "+00:00")).tzinfo is not None


@formats.checks("uuid", raises=ValueError)
def _uuid(value) -> bool:
    return not isinstance(value, str) or str(uuid.UUID(value)) == value.lower()


def to_json_schema(node):
    """OpenAPI 3.0 schema objects → JSON Schema 2020-12 (`nullable: true` → the null type)."""
    if isinstance(node, list):
        return [to_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: to_json_schema(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        if isinstance(node.get("type"), str):
            node["type"] = [node["type"], "null"]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


class Contract:
    """The contract, and a record of which (operationId, status) real responses have exercised."""

    def __init__(self, path: Path = CONTRACT_PATH):
        self.doc = to_json_schema(yaml.safe_load(path.read_text(encoding="utf-8")))
        resource = Resource.from_contents(self.doc, default_specification=DRAFT202012)
        self.registry = Registry().with_resource(URI, resource)
        self.operations = []
        for template, item in self.doc["paths"].items():
            pattern = re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", template) + "$")
            for method, operation in item.items():
                if isinstance(operation, dict) and "responses" in operation:
                    self.operations.append((method.upper(), pattern, template, operation))
        self.seen: set[tuple[str, int]] = set()
        self.checked = 0

    def operation(self, method: str, path: str):
        for op_method, pattern, template, operation in self.operations:
            if op_method == method and pattern.match(path):
                return template, operation
        raise AssertionError(f"{method} {path} is not an operation of the contract")

    def validate(self, instance, schema: dict) -> None:
        validator = Draft202012Validator(schema, registry=self.registry, format_checker=formats)
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.path))
        assert not errors, "; ".join(f"{list(e.path)}: {e.message}" for e in errors[:5])

    def check(self, response: httpx.Response) -> None:
        """Assert that a response of the API is one the contract allows."""
        path = response.request.url.path
        if not path.startswith(BASE):
            return
        method = response.request.method
        template, operation = self.operation(method, path[len(BASE) :])
        status = response.status_code
        self.seen.add((operation["operationId"], status))
        self.checked += 1
        documented = operation["responses"].get(str(status))
        if documented is None:
            assert status in (400, 401, 403, 404, 405), f"{method} {path}: status {status} not in the contract"
            assert response.headers["content-type"].startswith("application/json")
            return self.validate(response.json(), ERROR_REF)
        content = documented.get("content")
        if not content:
            assert response.content == b"", f"{method} {path}: {status} must have no body"
            return None
        if "application/octet-stream" in content:
            assert response.headers["content-type"] == "application/octet-stream"
            assert "digest" in response.headers
            return None
        pointer = _pointer("paths", template, method.lower(), "responses", str(status), "content", "application/json")
        return self.validate(response.json(), {"$ref": f"{URI}#/{pointer}/schema"})
