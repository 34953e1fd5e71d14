// The resources of one Runnel deployment (main.bicep scopes them to its resource group):
//
//   virtual network ── subnet (delegated to Container Apps, service endpoint to Storage)
//   Log Analytics ◄── Container Apps environment (internal, in the subnet) ◄── container app "silo"
//                                                                                 │ user-assigned identity
//   container registry ◄── AcrPull ──────────────────────────────────────────────┤
//   storage account (shared keys off) ◄── Storage Blob Data Contributor ──────────┘
//
// The silos hold no state: topics, partitions and membership live in the blob container. They authenticate with the
// identity (no key or connection string anywhere) and reach each other at their replica addresses in the subnet, on
// the silo port; clients reach the gateway port through the app's internal TCP ingress.

@description('The region for every resource.')
param location string

@description('Tags for every resource.')
param tags object

@description('Makes globally unique names (storage account, registry) unique per subscription, environment and region.')
param resourceToken string

@description('The silo image; empty for a placeholder until `azd deploy` pushes the real one.')
param siloImage string

@minValue(1)
param siloMinReplicas int

@minValue(1)
param siloMaxReplicas int

param siloCpu string
param siloMemory string

@minValue(1)
param connectionsPerSilo int

param workloadProfileType string
param storageSku string
param clusterId string

// The silo's default ports (Silo/appsettings.json, the Dockerfile's EXPOSE): the gateway for clients, the silo port
// for the other silos (at the replica address each advertises, not through the ingress), and HTTP for probes and metrics.
var gatewayPort = 7100
var siloPort = 8100
var httpPort = 7180

// The silo's host shutdown timeout: RunnelSiloOptions.ShutdownTimeout (30 s) plus the host's 15 s slack (SiloHost).
var shutdownGraceSeconds = 45

var containerName = 'runnel'
var consumption = workloadProfileType == 'Consumption'
var workloadProfileName = consumption ? 'Consumption' : 'silo'
var placeholderImage = 'mcr.microsoft.com/k8se/quickstart:latest'

// Built-in role ids (the same in every tenant).
var storageBlobDataContributor = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var acrPull = '7f951dda-4ed3-4680-a7ca-43fe172d538d'

resource logs 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: 'log-${resourceToken}'
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: 30
  }
}

resource network 'Microsoft.Network/virtualNetworks@2024-05-01' = {
  name: 'vnet-${resourceToken}'
  location: location
  tags: tags
  properties: {
    addressSpace: {
      addressPrefixes: [
        '10.40.0.0/16'
      ]
    }
    subnets: [
      {
        // A workload-profiles environment needs a /27 or larger subnet delegated to it; /23 leaves room for replicas.
        name: 'silos'
        properties: {
          addressPrefix: '10.40.0.0/23'
          delegations: [
            {
              name: 'containerapps'
              properties: {
                serviceName: 'Microsoft.App/environments'
              }
            }
          ]
          serviceEndpoints: [
            {
              service: 'Microsoft.Storage'
            }
          ]
        }
      }
    ]
  }
}

resource environment 'Microsoft.App/managedEnvironments@2025-01-01' = {
  name: 'cae-${resourceToken}'
  location: location
  tags: tags
  properties: {
    appLogsConfiguration: {
      destination: 'log-analytics'
      logAnalyticsConfiguration: {
        customerId: logs.properties.customerId
        sharedKey: logs.listKeys().primarySharedKey
      }
    }
    // TCP ingress needs an environment in a virtual network; internal: reachable from the network only.
    vnetConfiguration: {
      infrastructureSubnetId: network.properties.subnets[0].id
      internal: true
    }
    workloadProfiles: consumption
      ? [
          {
            name: 'Consumption'
            workloadProfileType: 'Consumption'
          }
        ]
      : [
          {
            name: 'Consumption'
            workloadProfileType: 'Consumption'
          }
          {
            name: workloadProfileName
            workloadProfileType: workloadProfileType
            minimumCount: siloMinReplicas
            maximumCount: siloMaxReplicas
          }
        ]
  }
}

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: 'id-silo-${resourceToken}'
  location: location
  tags: tags
}

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: 'strunnel${resourceToken}'
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: storageSku
  }
  properties: {
    // Microsoft Entra ID only: no account keys, SAS or connection strings can reach the data.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    accessTier: 'Hot'
    networkAcls: {
      defaultAction: 'Deny'
      bypass: 'AzureServices'
      virtualNetworkRules: [
        {
          id: network.properties.subnets[0].id
          action: 'Allow'
        }
      ]
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource container 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: containerName
  properties: {
    publicAccess: 'None'
  }
}

resource siloBlobAccess 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, identity.id, storageBlobDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributor)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

resource registry 'Microsoft.ContainerRegistry/registries@2023-07-01' = {
  name: 'crrunnel${resourceToken}'
  location: location
  tags: tags
  sku: {
    name: 'Basic'
  }
  properties: {
    adminUserEnabled: false
  }
}

resource siloImagePull 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(registry.id, identity.id, acrPull)
  scope: registry
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', acrPull)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
  }
}

// Probes only for the real image: the placeholder serves neither port.
var siloProbes = empty(siloImage)
  ? []
  : [
      {
        type: 'Startup'
        httpGet: {
          path: '/healthz'
          port: httpPort
        }
        periodSeconds: 2
        failureThreshold: 30
      }
      {
        type: 'Liveness'
        httpGet: {
          path: '/healthz'
          port: httpPort
        }
        periodSeconds: 10
        failureThreshold: 3
      }
      {
        type: 'Readiness'
        httpGet: {
          path: '/readyz'
          port: httpPort
        }
        periodSeconds: 5
        timeoutSeconds: 6
        failureThreshold: 2
      }
    ]

resource silo 'Microsoft.App/containerApps@2025-01-01' = {
  name: 'silo-${resourceToken}'
  location: location
  // azd deploys the `silo` service of azure.yaml to the app with this tag.
  tags: union(tags, { 'azd-service-name': 'silo' })
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  dependsOn: [
    siloBlobAccess
    siloImagePull
    container
  ]
  properties: {
    environmentId: environment.id
    workloadProfileName: workloadProfileName
    configuration: {
      activeRevisionsMode: 'Single'
      ingress: {
        // Clients (in the virtual network) connect to the gateway over TCP; the environment spreads connections over
        // the replicas. The silo port is no ingress: silos connect to each other's replica addresses directly.
        external: false
        transport: 'tcp'
        targetPort: gatewayPort
        exposedPort: gatewayPort
        // /metrics for a scraper inside the network.
        additionalPortMappings: [
          {
            external: false
            targetPort: httpPort
            exposedPort: httpPort
          }
        ]
      }
      registries: [
        {
          server: registry.properties.loginServer
          identity: identity.id
        }
      ]
    }
    template: {
      terminationGracePeriodSeconds: shutdownGraceSeconds
      containers: [
        {
          name: 'silo'
          image: empty(siloImage) ? placeholderImage : siloImage
          resources: {
            cpu: json(siloCpu)
            memory: siloMemory
          }
          env: [
            {
              name: 'Runnel__Silo__ClusterId'
              value: clusterId
            }
            {
              name: 'Runnel__Silo__ListenAddress'
              value: '0.0.0.0'
            }
            {
              // The replica's own host name resolves to its address in the subnet: the other silos connect to it there.
              name: 'Runnel__Silo__AdvertisedAddress'
              value: '{machine}'
            }
            {
              name: 'Runnel__Silo__Port'
              value: string(gatewayPort)
            }
            {
              name: 'Runnel__Silo__SiloPort'
              value: string(siloPort)
            }
            {
              name: 'Runnel__HttpPort'
              value: string(httpPort)
            }
            {
              name: 'Runnel__Storage__Kind'
              value: 'azure'
            }
            {
              name: 'Runnel__Storage__BlobEndpoint'
              value: storage.properties.primaryEndpoints.blob
            }
            {
              name: 'Runnel__Storage__ManagedIdentityClientId'
              value: identity.properties.clientId
            }
            {
              name: 'Runnel__Storage__ContainerName'
              value: containerName
            }
          ]
          probes: siloProbes
        }
      ]
      scale: {
        minReplicas: siloMinReplicas
        maxReplicas: siloMaxReplicas
        rules: [
          {
            name: 'client-connections'
            tcp: {
              metadata: {
                concurrentConnections: string(connectionsPerSilo)
              }
            }
          }
        ]
      }
    }
  }
}

output registryLoginServer string = registry.properties.loginServer
output environmentId string = environment.id
output blobEndpoint string = storage.properties.primaryEndpoints.blob
output identityClientId string = identity.properties.clientId
output clientEndpoint string = '${silo.properties.configuration.ingress.fqdn}:${gatewayPort}'
