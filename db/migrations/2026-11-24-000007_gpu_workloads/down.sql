DROP TABLE gpu_workloads;
