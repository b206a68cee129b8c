"""The ECS API's own shapes: the fields of each object planner reads from a scenario.

Copied from botocore's ECS model (``botocore/data/ecs/2014-11-13/service-2.json``,
Apache-2.0; the test ``tests/test_schema.py`` checks them against the installed botocore).
A scenario may hold an object as the AWS CLI prints it or a template writes it: the fields
planner does not use are ignored (listed by ``planner solve --verbose``), while a field in
neither planner's model nor the ECS shape is refused as a typo.
"""

from __future__ import annotations

#: botocore version the lists were copied from.
BOTOCORE_VERSION = "1.43.11"

#: ``TaskDefinition``
TASK_DEFINITION: tuple[str, ...] = (
    "taskDefinitionArn",
    "containerDefinitions",
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "revision",
    "volumes",
    "status",
    "requiresAttributes",
    "placementConstraints",
    "compatibilities",
    "runtimePlatform",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "inferenceAccelerators",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "registeredAt",
    "deregisteredAt",
    "deleteRequestedAt",
    "registeredBy",
    "ephemeralStorage",
    "enableFaultInjection",
)
#: ``RegisterTaskDefinitionRequest``
REGISTER_TASK_DEFINITION: tuple[str, ...] = (
    "family",
    "taskRoleArn",
    "executionRoleArn",
    "networkMode",
    "containerDefinitions",
    "volumes",
    "placementConstraints",
    "requiresCompatibilities",
    "cpu",
    "memory",
    "tags",
    "pidMode",
    "ipcMode",
    "proxyConfiguration",
    "inferenceAccelerators",
    "ephemeralStorage",
    "runtimePlatform",
    "enableFaultInjection",
)
#: ``ContainerDefinition``
CONTAINER_DEFINITION: tuple[str, ...] = (
    "name",
    "image",
    "repositoryCredentials",
    "cpu",
    "memory",
    "memoryReservation",
    "links",
    "portMappings",
    "essential",
    "restartPolicy",
    "entryPoint",
    "command",
    "environment",
    "environmentFiles",
    "mountPoints",
    "volumesFrom",
    "linuxParameters",
    "secrets",
    "dependsOn",
    "startTimeout",
    "stopTimeout",
    "versionConsistency",
    "hostname",
    "user",
    "workingDirectory",
    "disableNetworking",
    "privileged",
    "readonlyRootFilesystem",
    "dnsServers",
    "dnsSearchDomains",
    "extraHosts",
    "dockerSecurityOptions",
    "interactive",
    "pseudoTerminal",
    "dockerLabels",
    "ulimits",
    "logConfiguration",
    "healthCheck",
    "systemControls",
    "resourceRequirements",
    "firelensConfiguration",
    "credentialSpecs",
)
#: ``PortMapping``
PORT_MAPPING: tuple[str, ...] = (
    "containerPort",
    "hostPort",
    "protocol",
    "name",
    "appProtocol",
    "containerPortRange",
)
#: ``DeploymentConfiguration``
DEPLOYMENT_CONFIGURATION: tuple[str, ...] = (
    "deploymentCircuitBreaker",
    "maximumPercent",
    "minimumHealthyPercent",
    "alarms",
    "strategy",
    "bakeTimeInMinutes",
    "lifecycleHooks",
    "linearConfiguration",
    "canaryConfiguration",
)
#: ``LinearConfiguration`` (in ``DeploymentConfiguration``; planner reads both fields)
LINEAR_CONFIGURATION: tuple[str, ...] = ("stepPercent", "stepBakeTimeInMinutes")
#: ``CanaryConfiguration`` (in ``DeploymentConfiguration``; planner reads both fields)
CANARY_CONFIGURATION: tuple[str, ...] = ("canaryPercent", "canaryBakeTimeInMinutes")
#: ``Service``
SERVICE: tuple[str, ...] = (
    "serviceArn",
    "serviceName",
    "clusterArn",
    "loadBalancers",
    "serviceRegistries",
    "status",
    "desiredCount",
    "runningCount",
    "pendingCount",
    "launchType",
    "capacityProviderStrategy",
    "platformVersion",
    "platformFamily",
    "taskDefinition",
    "deploymentConfiguration",
    "taskSets",
    "deployments",
    "roleArn",
    "events",
    "createdAt",
    "currentServiceDeployment",
    "currentServiceRevisions",
    "placementConstraints",
    "placementStrategy",
    "networkConfiguration",
    "healthCheckGracePeriodSeconds",
    "schedulingStrategy",
    "deploymentController",
    "tags",
    "createdBy",
    "enableECSManagedTags",
    "propagateTags",
    "enableExecuteCommand",
    "availabilityZoneRebalancing",
    "resourceManagementType",
)
#: ``LoadBalancer``
LOAD_BALANCER: tuple[str, ...] = (
    "targetGroupArn",
    "loadBalancerName",
    "containerName",
    "containerPort",
    "advancedConfiguration",
)
#: ``DeploymentController``
DEPLOYMENT_CONTROLLER: tuple[str, ...] = ("type",)
#: ``PlacementConstraint``
PLACEMENT_CONSTRAINT: tuple[str, ...] = (
    "type",
    "expression",
)
#: ``PlacementStrategy``
PLACEMENT_STRATEGY: tuple[str, ...] = (
    "type",
    "field",
)
#: ``Cluster`` (``describe-clusters``: its ``capacityProviders`` are names there)
CLUSTER: tuple[str, ...] = (
    "clusterArn",
    "clusterName",
    "configuration",
    "status",
    "registeredContainerInstancesCount",
    "runningTasksCount",
    "pendingTasksCount",
    "activeServicesCount",
    "statistics",
    "tags",
    "settings",
    "capacityProviders",
    "defaultCapacityProviderStrategy",
    "attachments",
    "attachmentsStatus",
    "serviceConnectDefaults",
)
#: ``CapacityProvider`` (``describe-capacity-providers``)
CAPACITY_PROVIDER: tuple[str, ...] = (
    "capacityProviderArn",
    "name",
    "cluster",
    "status",
    "autoScalingGroupProvider",
    "managedInstancesProvider",
    "updateStatus",
    "updateStatusReason",
    "tags",
    "type",
)
#: ``AutoScalingGroupProvider``
AUTO_SCALING_GROUP_PROVIDER: tuple[str, ...] = (
    "autoScalingGroupArn",
    "managedScaling",
    "managedTerminationProtection",
    "managedDraining",
)
#: ``ManagedScaling`` (planner reads every field)
MANAGED_SCALING: tuple[str, ...] = (
    "status",
    "targetCapacity",
    "minimumScalingStepSize",
    "maximumScalingStepSize",
    "instanceWarmupPeriod",
)
#: ``CapacityProviderStrategyItem`` (planner reads every field)
CAPACITY_PROVIDER_STRATEGY_ITEM: tuple[str, ...] = ("capacityProvider", "weight", "base")
#: ``DeploymentCircuitBreaker`` (planner reads both, and the newer ``thresholdConfiguration``
#: and ``resetOnHealthyTask`` that this botocore does not have yet)
DEPLOYMENT_CIRCUIT_BREAKER: tuple[str, ...] = ("enable", "rollback")

#: The shape names, for the test that compares them with botocore's.
SHAPES = {
    "TaskDefinition": TASK_DEFINITION,
    "RegisterTaskDefinitionRequest": REGISTER_TASK_DEFINITION,
    "ContainerDefinition": CONTAINER_DEFINITION,
    "PortMapping": PORT_MAPPING,
    "DeploymentConfiguration": DEPLOYMENT_CONFIGURATION,
    "LinearConfiguration": LINEAR_CONFIGURATION,
    "CanaryConfiguration": CANARY_CONFIGURATION,
    "Service": SERVICE,
    "LoadBalancer": LOAD_BALANCER,
    "DeploymentController": DEPLOYMENT_CONTROLLER,
    "PlacementConstraint": PLACEMENT_CONSTRAINT,
    "PlacementStrategy": PLACEMENT_STRATEGY,
    "Cluster": CLUSTER,
    "CapacityProvider": CAPACITY_PROVIDER,
    "AutoScalingGroupProvider": AUTO_SCALING_GROUP_PROVIDER,
    "ManagedScaling": MANAGED_SCALING,
    "CapacityProviderStrategyItem": CAPACITY_PROVIDER_STRATEGY_ITEM,
    "DeploymentCircuitBreaker": DEPLOYMENT_CIRCUIT_BREAKER,
}
