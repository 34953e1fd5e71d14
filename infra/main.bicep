// Runnel on Azure Container Apps, for `azd up` (azure.yaml at the repository root): one resource group holding the
// silos' container app, their storage account and identity, and the environment they run in. See resources.bicep for
// what each resource is, and the README's "Deploy to Azure" for the cost at these defaults.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('The azd environment name; names the resource group and tags every resource.')
param environmentName string

@minLength(1)
@description('The Azure region for every resource.')
param location string

@description('The silo image; empty before the first `azd deploy` (a placeholder image runs until then).')
param siloImage string = ''

@minValue(1)
@maxValue(30)
@description('Silos always running. Two keep partitions writable while one restarts or moves.')
param siloMinReplicas int = 2

@minValue(1)
@maxValue(30)
@description('The most silos the TCP scale rule may run.')
param siloMaxReplicas int = 4

@description('vCPU per silo (Consumption profile: 0.25 to 4, with memory at 2 GiB per vCPU).')
param siloCpu string = '1.0'

@description('Memory per silo, e.g. 2Gi.')
param siloMemory string = '2Gi'

@description('Concurrent client connections per silo before the scale rule adds one.')
param connectionsPerSilo int = 200

@allowed([
  'Consumption'
  'D4'
  'D8'
  'D16'
])
@description('The Container Apps workload profile: Consumption (per-second billing) or a dedicated size.')
param workloadProfileType string = 'Consumption'

@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
])
@description('The storage account SKU: ZRS keeps the log writable through a zone outage.')
param storageSku string = 'Standard_ZRS'

@description('The Runnel cluster id; clients must use the same.')
param clusterId string = 'runnel'

var tags = {
  'azd-env-name': environmentName
}

resource resourceGroup 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: 'rg-${environmentName}'
  location: location
  tags: tags
}

module resources 'resources.bicep' = {
  name: 'runnel-resources'
  scope: resourceGroup
  params: {
    location: location
    tags: tags
    resourceToken: toLower(uniqueString(subscription().id, environmentName, location))
    siloImage: siloImage
    siloMinReplicas: siloMinReplicas
    siloMaxReplicas: siloMaxReplicas
    siloCpu: siloCpu
    siloMemory: siloMemory
    connectionsPerSilo: connectionsPerSilo
    workloadProfileType: workloadProfileType
    storageSku: storageSku
    clusterId: clusterId
  }
}

// azd reads these after provisioning: the registry to push the silo image to, and where clients connect.
output AZURE_LOCATION string = location
output AZURE_RESOURCE_GROUP string = resourceGroup.name
output AZURE_CONTAINER_REGISTRY_ENDPOINT string = resources.outputs.registryLoginServer
output AZURE_CONTAINER_APPS_ENVIRONMENT_ID string = resources.outputs.environmentId
output RUNNEL_STORAGE_BLOB_ENDPOINT string = resources.outputs.blobEndpoint
output RUNNEL_SILO_IDENTITY_CLIENT_ID string = resources.outputs.identityClientId
@description('The client bootstrap address (host:port), reachable from inside the environment\'s virtual network.')
output RUNNEL_BOOTSTRAP string = resources.outputs.clientEndpoint
output RUNNEL_CLUSTER_ID string = clusterId
