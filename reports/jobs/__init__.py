"""Files that take long to make, made off the request: batch notices and the responses export.

services.job_start records a job and hands it, once the transaction commits, to an RQ worker
(`manage.py run_worker`, when REDIS_URL is set) or to a thread of the web process (queue.py);
the request returns the job's page at once. runner.job_run makes the file into SIPAS_JOB_DIR
while a thread of its own writes the progress and a heartbeat; a job whose process died falls
silent, and runner.jobs_fail_dead marks it failed when its page is read or a worker sweeps.
What each kind makes, and who may see it, is in kinds.py.
"""
