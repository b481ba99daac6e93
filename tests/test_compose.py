"""The container files: docker-compose.yml against the Compose Specification schema, plus our own rules.

No Docker engine is needed: the files are read and checked, nothing is built or started.
The schema is vendored at tests/data/compose-spec.json (see its ``$comment`` for source and licence).
"""
from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import jsonschema
import pytest
import yaml
from jsonschema.validators import validator_for

REPO = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO / "docker-compose.yml"
DOCKERFILE = REPO / "Dockerfile"
DOCKERIGNORE = REPO / ".dockerignore"
SCHEMA_FILE = Path(__file__).resolve().parent / "data" / "compose-spec.json"

SERVICES = {"app", "scheduler", "db", "meili"}
TREATYDB_SERVICES = ("app", "scheduler")
INTERNAL_SERVICES = ("db", "meili")
# Images we accept for services that are not built here: Docker official images and verified publishers.
OFFICIAL_IMAGES = {"db": "postgres", "meili": "getmeili/meilisearch"}
LOOPBACK = {"127.0.0.1", "::1", "[::1]", "localhost"}

# Compose interpolation: $$ (a literal $), $NAME, ${NAME}, ${NAME:-d}, ${NAME-d}, ${NAME:?e}, ${NAME?e}, ${NAME:+a}, ${NAME+a}
_INTERP = re.compile(r"\$(?:(?P<escaped>\$)|(?P<bare>[A-Za-z_][A-Za-z0-9_]*)|\{(?P<braced>[^}]*)\})")
_BRACED = re.compile(r"^(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:-|-|:\?|\?|:\+|\+)(?P<arg>.*))?$", re.S)


# ---------------------------------------------------------------- fixtures / helpers

@pytest.fixture(scope="module")
def compose_text() -> str:
    assert COMPOSE_FILE.is_file(), "docker-compose.yml is missing"
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict:
    data = yaml.safe_load(compose_text)
    assert isinstance(data, dict)
    return data


@pytest.fixture(scope="module")
def schema() -> dict:
    return json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def services(compose: dict) -> dict:
    return compose["services"]


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    assert DOCKERFILE.is_file(), "Dockerfile is missing"
    return _dockerfile_instructions(DOCKERFILE.read_text(encoding="utf-8"))


def _validator(schema: dict):
    # The spec declares draft-07 as "https://json-schema.org/draft-07/schema"; jsonschema only knows the
    # http://…# spelling, so name draft-07 as the fallback rather than let it guess the latest draft.
    assert "draft-07" in schema["$schema"]
    cls = validator_for(schema, default=jsonschema.Draft7Validator)
    cls.check_schema(schema)
    return cls(schema)


def _schema_errors(schema: dict, document: dict) -> list[str]:
    errors = sorted(_validator(schema).iter_errors(document), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}" for e in errors]


def _env(service: dict) -> dict[str, str | None]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        out: dict[str, str | None] = {}
        for item in env:
            key, sep, value = item.partition("=")
            out[key] = value if sep else None
        return out
    return {k: (None if v is None else str(v)) for k, v in env.items()}


def _interpolate(text: str, env: dict[str, str]) -> str:
    """Resolve Compose variables the way the Compose Specification describes (enough for this file)."""

    def repl(m: re.Match) -> str:
        if m.group("escaped"):
            return "$"
        if m.group("bare"):
            return env.get(m.group("bare"), "")
        b = _BRACED.match(m.group("braced"))
        if not b:
            raise ValueError(f"invalid interpolation {m.group(0)!r}")
        name, op, arg = b.group("name"), b.group("op"), b.group("arg")
        value, is_set = env.get(name), name in env
        if op is None:
            return value or ""
        if op == ":-":
            return value if value else _interpolate(arg, env)
        if op == "-":
            return value if is_set else _interpolate(arg, env)
        if op == ":?":
            if not value:
                raise KeyError(f"{name}: {arg}")
            return value
        if op == "?":
            if not is_set:
                raise KeyError(f"{name}: {arg}")
            return value or ""
        if op == ":+":
            return _interpolate(arg, env) if value else ""
        return _interpolate(arg, env) if is_set else ""  # "+"

    return _INTERP.sub(repl, text)


def _required_variables(text: str) -> set[str]:
    names = set()
    for m in _INTERP.finditer(text):
        b = _BRACED.match(m.group("braced") or "")
        if b and b.group("op") in (":?", "?"):
            names.add(b.group("name"))
    return names


def _named_volumes(service: dict) -> set[str]:
    names = set()
    for v in service.get("volumes") or []:
        if isinstance(v, str):
            source = v.split(":", 1)[0] if ":" in v else None
            if source and not source.startswith(("/", ".", "~", "$")):
                names.add(source)
        elif v.get("type") == "volume" and v.get("source"):
            names.add(v["source"])
    return names


def _published_host_ips(service: dict) -> list[str]:
    """Host IP of every published port ('' when published on all interfaces)."""
    ips = []
    for p in service.get("ports") or []:
        if isinstance(p, dict):
            if p.get("published") is not None or "host_ip" in p:
                ips.append(p.get("host_ip", ""))
            else:
                ips.append("")  # target only: published on an ephemeral port on all interfaces
            continue
        spec = str(p).rsplit("/", 1)[0]
        if spec.startswith("["):  # [::1]:7700:7700
            ips.append(spec[: spec.index("]") + 1])
            continue
        parts = spec.split(":")
        ips.append(parts[0] if len(parts) == 3 else "")
    return ips


def _split_image(image: str) -> tuple[str, str | None, str | None]:
    name, _, digest = image.partition("@")
    last = name.rsplit("/", 1)[-1]
    tag = None
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    return name, tag, digest or None


def _dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    logical, buf = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if not buf and (not line or line.startswith("#")):
            continue
        if buf and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        buf += line
        logical.append(buf)
        buf = ""
    if buf:
        logical.append(buf)
    out = []
    for line in logical:
        word, _, rest = line.partition(" ")
        out.append((word.upper(), rest.strip()))
    return out


def _exec_or_shell(arg: str) -> list[str]:
    arg = arg.strip()
    return json.loads(arg) if arg.startswith("[") else ["/bin/sh", "-c", arg]


def _final_stage(instructions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    starts = [i for i, (word, _) in enumerate(instructions) if word == "FROM"]
    assert starts, "Dockerfile has no FROM"
    return instructions[starts[-1]:]


# ---------------------------------------------------------------- the vendored schema

def test_vendored_schema_names_its_source_and_licence(schema: dict) -> None:
    note = schema.get("$comment", "")
    assert "github.com/compose-spec/compose-spec" in note
    assert "schema/compose-spec.json" in note
    assert "Apache License 2.0" in note
    assert schema["title"] == "Compose Specification"
    assert {"service", "healthcheck", "volume", "network"} <= set(schema["definitions"])


def test_schema_rejects_a_broken_file(schema: dict) -> None:
    """Guard against a schema that accepts anything (e.g. a truncated vendoring)."""
    bad = {
        "services": {
            "x": {
                "image": "postgres:16",
                "healthcheck": {"test": ["CMD", "true"], "interval": 10},  # interval must be a string
                "depends_on": {"y": {"condition": "service_ready"}},  # not a valid condition
                "no_such_key": True,
            }
        },
        "no_such_top_level": {},
    }
    errors = _schema_errors(schema, bad)
    assert len(errors) >= 3, errors


# ---------------------------------------------------------------- docker-compose.yml: the spec

def test_compose_file_is_valid_against_the_compose_specification(schema: dict, compose: dict) -> None:
    errors = _schema_errors(schema, compose)
    assert not errors, "docker-compose.yml does not follow the Compose Specification:\n" + "\n".join(errors)


def test_compose_file_with_variables_resolved_is_still_valid(schema: dict, compose_text: str) -> None:
    env = {name: f"value-of-{name.lower()}-0123456789" for name in _required_variables(compose_text)}
    resolved = yaml.safe_load(_interpolate(compose_text, env))
    errors = _schema_errors(schema, resolved)
    assert not errors, "\n".join(errors)
    app_env = _env(resolved["services"]["app"])
    assert app_env["TREATYDB_DATABASE_URL"] == "postgresql+psycopg://treatydb:treatydb@db:5432/treatydb"
    assert app_env["TREATYDB_MEILI_API_KEY"] == env["MEILI_APP_KEY"]
    assert app_env["TREATYDB_REGISTRAR_TOKEN"] == env["TREATYDB_REGISTRAR_TOKEN"]
    assert resolved["services"]["meili"]["environment"]["MEILI_MASTER_KEY"] == env["MEILI_MASTER_KEY"]


def test_interpolations_are_well_formed(compose_text: str) -> None:
    for m in _INTERP.finditer(compose_text):
        if m.group("braced") is not None:
            assert _BRACED.match(m.group("braced")), f"malformed interpolation {m.group(0)!r}"


def test_secrets_are_required_and_have_no_default(compose_text: str) -> None:
    required = _required_variables(compose_text)
    assert {"MEILI_MASTER_KEY", "MEILI_APP_KEY", "TREATYDB_REGISTRAR_TOKEN"} <= required
    for name in ("MEILI_MASTER_KEY", "MEILI_APP_KEY", "TREATYDB_REGISTRAR_TOKEN"):
        assert not re.search(r"\$\{" + name + r":?-", compose_text), f"{name} must not have a default"
    with pytest.raises(KeyError, match="MEILI_MASTER_KEY"):
        _interpolate(compose_text, {"MEILI_APP_KEY": "k", "TREATYDB_REGISTRAR_TOKEN": "t"})


def test_env_example_in_comments_lists_every_required_variable(compose_text: str) -> None:
    comments = "\n".join(line for line in compose_text.splitlines() if line.lstrip().startswith("#"))
    for name in _required_variables(compose_text) | {"POSTGRES_PASSWORD", "MEILI_SEARCH_KEY"}:
        assert re.search(rf"^#\s+{name}=", comments, re.M), f".env example lacks {name}="
    assert "treatydb search-keys" in comments


def test_no_obsolete_version_key(compose: dict) -> None:
    assert "version" not in compose


# ---------------------------------------------------------------- docker-compose.yml: our rules

def test_services_present(services: dict) -> None:
    assert SERVICES <= set(services)


@pytest.mark.parametrize("name", sorted(OFFICIAL_IMAGES))
def test_third_party_images_are_official_and_pinned(services: dict, name: str) -> None:
    service = services[name]
    assert "build" not in service
    repo, tag, digest = _split_image(service["image"])
    assert repo == OFFICIAL_IMAGES[name], f"{name}: {service['image']} is not the official image"
    assert tag or digest, f"{name}: image is not pinned"
    assert tag != "latest"


def test_postgres_is_16_on_bookworm(services: dict) -> None:
    _, tag, _ = _split_image(services["db"]["image"])
    assert re.fullmatch(r"16(\.\d+)?-bookworm", tag or ""), tag


def test_meilisearch_is_pinned_to_v1_15_or_newer(services: dict) -> None:
    _, tag, _ = _split_image(services["meili"]["image"])
    m = re.fullmatch(r"v1\.(\d+)(\.\d+)?", tag or "")
    assert m and int(m.group(1)) >= 15, tag


@pytest.mark.parametrize("name", TREATYDB_SERVICES)
def test_treatydb_services_use_the_locally_built_image(services: dict, name: str) -> None:
    _, tag, _ = _split_image(services[name]["image"])
    assert tag and tag != "latest"
    assert services[name]["image"] == services["app"]["image"]
    build = services["app"]["build"]
    assert (build if isinstance(build, str) else build.get("context", ".")) == "."


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_every_service_has_a_healthcheck(services: dict, name: str) -> None:
    hc = services[name].get("healthcheck")
    assert hc, f"{name} has no healthcheck"
    assert not hc.get("disable")
    for key in ("test", "interval", "timeout", "retries"):
        assert key in hc, f"{name}: healthcheck lacks {key}"
    test = hc["test"]
    assert isinstance(test, list) and test[0] in ("CMD", "CMD-SHELL") and len(test) > 1, test


def test_healthcheck_commands(services: dict) -> None:
    app = " ".join(services["app"]["healthcheck"]["test"])
    assert "urllib" in app and "http://127.0.0.1:8000/api/health" in app
    meili = services["meili"]["healthcheck"]["test"]
    assert meili[1] in ("curl", "wget") and "http://localhost:7700/health" in meili
    assert services["db"]["healthcheck"]["test"][1:] == ["pg_isready", "-U", "treatydb", "-d", "treatydb"]


def test_app_waits_for_healthy_db_and_meili(services: dict) -> None:
    deps = services["app"]["depends_on"]
    assert isinstance(deps, dict)
    for dep in ("db", "meili"):
        assert deps[dep]["condition"] == "service_healthy"


def test_scheduler_waits_for_healthy_app_and_runs_the_scheduler(services: dict) -> None:
    sched = services["scheduler"]
    assert sched["depends_on"]["app"]["condition"] == "service_healthy"
    command = sched["command"]
    assert (command if isinstance(command, list) else shlex.split(command)) == ["treatydb", "scheduler"]
    assert _env(sched) == _env(services["app"]), "the scheduler must get the same settings as the app"


def test_app_publishes_8000(services: dict) -> None:
    assert "8000:8000" in [str(p) for p in services["app"]["ports"]]


def test_depends_on_names_existing_services(services: dict) -> None:
    for name, service in services.items():
        deps = service.get("depends_on") or {}
        for dep in deps if isinstance(deps, list) else deps.keys():
            assert dep in services, f"{name} depends on unknown service {dep}"


def test_named_volumes_are_declared(compose: dict, services: dict) -> None:
    declared = set(compose.get("volumes") or {})
    used = set().union(*(_named_volumes(s) for s in services.values()))
    assert used, "no named volumes used"
    assert used <= declared, f"undeclared volumes: {sorted(used - declared)}"
    assert {"app_data", "pg_data", "meili_data"} <= used


def test_state_lives_in_volumes(services: dict) -> None:
    assert "app_data:/data" in services["app"]["volumes"]
    assert "app_data:/data" in services["scheduler"]["volumes"]
    assert "pg_data:/var/lib/postgresql/data" in services["db"]["volumes"]
    assert "meili_data:/meili_data" in services["meili"]["volumes"]


@pytest.mark.parametrize("name", TREATYDB_SERVICES)
def test_treatydb_environment(services: dict, name: str) -> None:
    service = services[name]
    env = _env(service)
    assert "env_file" not in service, "settings must come from the listed environment only"
    bad = [k for k in env if not k.startswith("TREATYDB_")]
    assert not bad, f"{name}: variables without the TREATYDB_ prefix: {bad}"
    assert "MEILI_MASTER_KEY" not in env
    for key, value in env.items():
        assert "MEILI_MASTER_KEY" not in (value or ""), f"{name}: {key} passes the Meilisearch master key"
    assert env["TREATYDB_DATABASE_URL"] == "postgresql+psycopg://treatydb:${POSTGRES_PASSWORD:-treatydb}@db:5432/treatydb"
    assert env["TREATYDB_SEARCH_BACKEND"] == "meilisearch"
    assert env["TREATYDB_MEILI_URL"] == "http://meili:7700"
    assert env["TREATYDB_MEILI_API_KEY"].startswith("${MEILI_APP_KEY:?")
    assert "TREATYDB_MEILI_SEARCH_KEY" in env
    assert env["TREATYDB_REGISTRAR_TOKEN"].startswith("${TREATYDB_REGISTRAR_TOKEN:?")
    assert env["TREATYDB_DATA_DIR"] == "/data"


def test_treatydb_variables_are_real_settings(services: dict) -> None:
    """Every TREATYDB_ variable we set is a field of core.settings.Settings (a typo would be ignored silently)."""
    settings = pytest.importorskip("core.settings")
    fields = {f"TREATYDB_{name.upper()}" for name in settings.Settings.model_fields}
    unknown = set(_env(services["app"])) - fields
    assert not unknown, f"not settings of treatydb: {sorted(unknown)}"


def test_db_and_meili_settings(services: dict) -> None:
    db = _env(services["db"])
    assert db["POSTGRES_DB"] == "treatydb" and db["POSTGRES_USER"] == "treatydb"
    assert db["POSTGRES_PASSWORD"] == "${POSTGRES_PASSWORD:-treatydb}"
    meili = _env(services["meili"])
    assert meili["MEILI_MASTER_KEY"].startswith("${MEILI_MASTER_KEY:?")
    assert meili["MEILI_ENV"] == "production"
    assert meili["MEILI_NO_ANALYTICS"] == "true"


@pytest.mark.parametrize("name", INTERNAL_SERVICES)
def test_internal_services_are_not_published_beyond_localhost(services: dict, name: str) -> None:
    for ip in _published_host_ips(services[name]):
        assert ip in LOOPBACK, f"{name} publishes a port on {ip or 'all interfaces'}"
    assert services[name].get("network_mode") != "host"


def test_port_parsing_helper() -> None:
    assert _published_host_ips({"ports": ["7700:7700", "127.0.0.1:5432:5432", "[::1]:1:1/tcp", 80]}) == \
        ["", "127.0.0.1", "[::1]", ""]
    assert _published_host_ips({"ports": [{"target": 1, "published": 2, "host_ip": "127.0.0.1"},
                                          {"target": 3, "published": 4}]}) == ["127.0.0.1", ""]


# ---------------------------------------------------------------- Dockerfile and .dockerignore

def test_dockerfile_base_and_runtime_packages(dockerfile: list[tuple[str, str]]) -> None:
    final = _final_stage(dockerfile)
    assert final[0][1].split()[0] == "python:3.11-slim-bookworm"
    runs = " ".join(arg for word, arg in final if word == "RUN")
    for pkg in ("tesseract-ocr", "tesseract-ocr-vie", "tesseract-ocr-eng", "poppler-utils", "ghostscript",
                "qpdf", "fonts-liberation2", "libreoffice-writer-nogui"):
        assert re.search(rf"(?<![\w-]){re.escape(pkg)}(?![\w-])", runs), f"{pkg} not installed"
    assert "--no-install-recommends" in runs
    assert "rm -rf /var/lib/apt/lists/*" in runs
    assert re.search(r"pip install\b", runs)


def test_dockerfile_runs_as_non_root(dockerfile: list[tuple[str, str]]) -> None:
    users = [arg for word, arg in _final_stage(dockerfile) if word == "USER"]
    assert users, "Dockerfile has no USER"
    user = users[-1].split(":")[0]
    assert user not in ("root", "0"), f"final USER is {users[-1]}"


def test_dockerfile_healthcheck_expose_and_cmd(dockerfile: list[tuple[str, str]]) -> None:
    final = _final_stage(dockerfile)
    healthchecks = [arg for word, arg in final if word == "HEALTHCHECK"]
    assert healthchecks and "NONE" not in healthchecks[-1].upper().split()
    assert "urllib" in healthchecks[-1] and "http://127.0.0.1:8000/api/health" in healthchecks[-1]
    assert any(word == "EXPOSE" and "8000" in arg.split() for word, arg in final)
    cmds = [arg for word, arg in final if word == "CMD"]
    assert cmds, "Dockerfile has no CMD"
    cmd = _exec_or_shell(cmds[-1])
    assert cmd[:2] == ["sh", "-c"], cmd
    assert re.fullmatch(r"treatydb init && (exec )?treatydb serve --host 0\.0\.0\.0 --port 8000", cmd[2]), cmd[2]
    assert not any(word == "ENTRYPOINT" for word, _ in final)


def test_dockerfile_parser_helper() -> None:
    ins = _dockerfile_instructions("FROM a AS b\n# c\nRUN x \\\n  # inner comment\n  && y\nUSER 1000\n")
    assert ins == [("FROM", "a AS b"), ("RUN", "x  && y"), ("USER", "1000")]


def test_dockerignore_keeps_secrets_and_state_out() -> None:
    assert DOCKERIGNORE.is_file()
    patterns = {line.strip() for line in DOCKERIGNORE.read_text().splitlines()
                if line.strip() and not line.startswith("#")}
    assert {".env", ".git", ".venv", "var"} <= patterns
    assert "README.md" not in patterns and "pyproject.toml" not in patterns
