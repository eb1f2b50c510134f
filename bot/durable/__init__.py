"""Work that survives restarts and replicas: the job queue, leases, redelivery memory, the scheduler."""
