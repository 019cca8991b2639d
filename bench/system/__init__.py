"""The system benchmark (`bench/system_bench.py`), one idea per module:

- `options`: the command line (sizes, replica configs, status load, extra env);
- `constants`: the repository root, run id, API path and seed data shared by the rest;
- `services`: the environment of the API and render replicas, starting and stopping them;
- `catalog`: seeding one organization with bulk SQL (COPY);
- `api_client`: the few HTTP calls, retried like a real client;
- `context`: what every measurement gets (stack, pool, catalog, API) and the job request bodies;
- `cpu_accounting`: the PostgreSQL server's PID and CPU not attributed to our process trees;
- `large_jobs`, `small_jobs`, `status_load`: the three measurements;
- `measure`: running them for every replica configuration;
- `targets`: the rows checked against the targets; `report`: the table and the JSON file;
- `provenance`: the command, git state and machine recorded with the results;
- `runner`: `run()` / `main()`, the whole benchmark from stack start to JSON.
"""
