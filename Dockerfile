# least-priv-action: the image GitHub builds for `uses: OWNER/least-priv-action@REF`.
#
# Base: the official Python image, pinned to an exact patch release and Debian release.
# Bump it deliberately (and pin a digest, `python:3.11.x-slim-bookworm@sha256:...`, once you
# can resolve one with `docker buildx imagetools inspect`).
FROM python:3.11.17-slim-bookworm

LABEL org.opencontainers.image.title="least-priv-action" \
      org.opencontainers.image.description="Turn what a CI role really did in AWS (CloudTrail) into a least-privilege IAM policy and propose it in one pull request" \
      org.opencontainers.image.licenses="Apache-2.0"

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore

WORKDIR /app

# Dependencies first, in their own layer: it is rebuilt only when the lock changes.
# Every file is checked against its hash, and --no-deps means nothing unlisted comes in.
# The lock also pins setuptools, the build backend, so that the project below builds
# without fetching an unpinned one (--no-build-isolation).
COPY requirements.lock ./
RUN pip install --require-hashes --no-deps -r requirements.lock

COPY pyproject.toml README.md entrypoint.py ./
COPY src/ ./src/
RUN pip install --no-deps --no-build-isolation . \
    && python -c "import least_priv.action, least_priv.cli"

# No USER: GitHub runs Docker actions as root, with the workspace (/github/workspace),
# GITHUB_OUTPUT and GITHUB_STEP_SUMMARY mounted from the runner and owned by its user;
# a non-root user could not write the policy file or the step outputs.
# https://docs.github.com/en/actions/sharing-automations/creating-actions/dockerfile-support-for-github-actions#user
ENTRYPOINT ["python", "/app/entrypoint.py"]
