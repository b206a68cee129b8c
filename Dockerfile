# planner as a container image, for CI systems that run steps in one:
#
#   docker build -t ecs-rollout-planner .
#   docker run --rm -u "$(id -u):$(id -g)" -v "$PWD:/work" ecs-rollout-planner \
#       solve export/ --change plan.json --fail-on hangs
#
# The first stage builds the wheel; the second installs it, with the `aws` extra (boto3,
# for `planner import --cluster` and live reads) and nothing of the development tools.
# The command is the entrypoint: arguments are planner's. /work is where the repository is
# mounted; `-u` makes files planner writes (--output, --summary) the caller's.

FROM python:3.12-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY planner/ planner/
COPY data/ data/
RUN pip wheel --no-cache-dir --disable-pip-version-check --no-deps -w /dist .

FROM python:3.12-slim
LABEL org.opencontainers.image.title="ecs-rollout-planner" \
      org.opencontainers.image.description="Tells before you deploy whether an ECS rolling or blue/green deployment finishes or hangs."
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    MPLCONFIGDIR=/tmp/matplotlib
COPY --from=build /dist/ /tmp/dist/
# The wheel is this checkout's; its dependencies are pyproject's ranges (pin them with
# `pip install -c constraints.txt` where a team wants the image reproducible).
# hadolint ignore=DL3013
RUN wheel="$(ls /tmp/dist/ecs_rollout_planner-*.whl)" \
 && pip install --no-cache-dir --disable-pip-version-check "${wheel}[aws]" \
 && rm -rf /tmp/dist \
 && groupadd --gid 10001 planner \
 && useradd --create-home --uid 10001 --gid 10001 planner \
 && planner --version
# numeric, so that a runtime that refuses root (Kubernetes' runAsNonRoot) can tell
USER 10001:10001
WORKDIR /work
ENTRYPOINT ["planner"]
CMD ["--help"]
