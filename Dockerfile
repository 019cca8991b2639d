# syntax=docker/dockerfile:1.7
#
# One file, two images (docs/design.md#kubernetes):
#   docker build --target api    -t label-export-api:TAG    .
#   docker build --target render -t label-export-render:TAG .
#
# builder: builds the project wheel and a wheel of every dependency (all of them ship manylinux
#          wheels, so no compiler is needed).
# runtime: python slim + Debian libdmtx0b (pylibdmtx loads it with ctypes), the wheels installed
#          from the builder without a cache, a non-root user.
# api / render: the two targets; they differ only in the command, the port and the bind address.
#
# No HEALTHCHECK: Kubernetes ignores it and probes the real endpoints instead (deploy/k8s).
# checkov:skip=CKV_DOCKER_2:No HEALTHCHECK on purpose; liveness/readiness probes hit /healthz and /readyz
#
# Both stages use the same pinned base (written out twice: scanners do not resolve ARGs in FROM).
# Keep it in step with pyproject's `requires-python`; CI may pin it by digest as well.
FROM python:3.11.14-slim-bookworm AS builder
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# What setuptools needs to build the wheel; .dockerignore keeps everything else out.
COPY pyproject.toml README.md ./
COPY labelkit ./labelkit
COPY shared ./shared
COPY api_service ./api_service
COPY render_service ./render_service
RUN pip wheel --no-cache-dir --wheel-dir /wheels .

FROM python:3.11.14-slim-bookworm AS runtime
# Debian's libdmtx (bookworm: 0.7.7-1, FNC1 needs >= 0.7.5). No recommends, lists removed.
RUN apt-get update \
    && apt-get install -y --no-install-recommends libdmtx0b=0.7.7-1 \
    && rm -rf /var/lib/apt/lists/*
# A fixed high UID/GID (>= 10000: never a host user), no home, no login shell.
RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent \
       --shell /usr/sbin/nologin app
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_ROOT_USER_ACTION=ignore
# The wheels are bind-mounted from the builder, so they never become a layer of this image; only
# those wheels are used (--no-index). pip compiles the byte code here, at install time: the root
# filesystem is read-only in the cluster (and PYTHONDONTWRITEBYTECODE stops attempts at run time).
RUN --mount=type=bind,from=builder,source=/wheels,target=/wheels \
    pip install --no-cache-dir --no-index --find-links=/wheels /wheels/label_export-*.whl
WORKDIR /app
USER 10001:10001

FROM runtime AS api
# In a container the API must listen on every interface (its default is 127.0.0.1).
ENV API_HOST=0.0.0.0 \
    API_PORT=8080
EXPOSE 8080
CMD ["labels-api"]

FROM runtime AS render
# Probe endpoint (/healthz, /readyz) of the worker.
ENV RENDER_HTTP_HOST=0.0.0.0 \
    RENDER_HTTP_PORT=8081
EXPOSE 8081
CMD ["labels-render"]
