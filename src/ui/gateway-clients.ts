// The gRPC clients of one dashboard session: every call carries the session's bearer token, so
// the gateway, not the dashboard, decides what the tenant may see and do.
import { createDatasetsClient, createModelsClient, createTasksClient, type ClientSecurity, type DatasetsServiceClient, type ModelsServiceClient, type TasksServiceClient } from "../api/client.js";

export interface GatewayClients {
  tasks: TasksServiceClient;
  datasets: DatasetsServiceClient;
  models: ModelsServiceClient;
  close(): void;
}

export function openGatewayClients(address: string, security: ClientSecurity): GatewayClients {
  const tasks = createTasksClient(address, {}, security);
  const datasets = createDatasetsClient(address, {}, security);
  const models = createModelsClient(address, {}, security);
  return {
    tasks,
    datasets,
    models,
    close() {
      tasks.close();
      datasets.close();
      models.close();
    },
  };
}
