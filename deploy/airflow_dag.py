"""Airflow DAG: the nightly AlignTune refresh, the same run as deploy/cronjob.yaml.

Every night at 02:30 UTC it runs

    <ALIGNTUNE_SUBMIT_SCRIPT> run --config conf/nightly-refresh.yaml --run-date {{ ds }}

from ALIGNTUNE_HOME on the Airflow worker. ``{{ ds }}`` is the run's logical date, the start of the day the
DAG run covers: the run at 02:30 on 2026-12-04 gets ds = 2026-12-03, yesterday's feedback, exactly as the
CronJob's ``date -d yesterday``. A backfill of a past date (``airflow dags backfill -s D -e D``) gives that
date's run; re-running a date replaces that date's table partitions, it never duplicates them.

The driver runs on the worker (DEPLOY_MODE=client), so the run's exit code reaches this task:
  0  the refreshed model passed the gates and was promoted: success;
  3  a gate refused promotion: the task fails without retry (a retry would refuse again); the reasons are in
     the task log and the run manifest, and the promoted model is unchanged;
  other  an error: retried once, and the run resumes at the phase and step it stopped at.

Worker requirements: Java 17, spark-submit (SPARK_HOME), this repository at ALIGNTUNE_HOME with
modules/cli/target/aligntune.jar built, and the cluster's client configuration (HADOOP_CONF_DIR for YARN).
Environment read here (placeholders only, nothing names a host):
  ALIGNTUNE_HOME           [/opt/aligntune]
  ALIGNTUNE_SUBMIT_SCRIPT  [deploy/spark-submit-yarn.sh]; deploy/spark-submit-k8s-gpu.sh needs K8S_MASTER,
                           ALIGNTUNE_IMAGE and DRIVER_HOST (this worker's address reachable from the
                           executor pods), deploy/spark-submit-standalone.sh needs SPARK_MASTER_URL
The wrapper's other settings (NUM_EXECUTORS, EXECUTOR_GPUS, ...) come from the worker's environment too;
see deploy/README.md.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone

try:  # Airflow 3
    from airflow.sdk import DAG
    from airflow.providers.standard.hooks.subprocess import SubprocessHook
    from airflow.providers.standard.operators.python import PythonOperator
except ImportError:  # Airflow 2.4+
    from airflow import DAG
    from airflow.hooks.subprocess import SubprocessHook
    from airflow.operators.python import PythonOperator

from airflow.exceptions import AirflowException, AirflowFailException

ALIGNTUNE_HOME = os.environ.get("ALIGNTUNE_HOME", "/opt/aligntune")
SUBMIT_SCRIPT = os.environ.get("ALIGNTUNE_SUBMIT_SCRIPT", "deploy/spark-submit-yarn.sh")
CONFIG = "conf/nightly-refresh.yaml"
GATE_FAILED = 3  # PipelineJob.GATE_FAILED: the gates refused promotion


def refresh(run_date: str) -> None:
    """Runs the refresh for run_date (YYYY-MM-DD) and turns its exit code into the task's outcome."""
    env = dict(os.environ)
    env["DEPLOY_MODE"] = "client"  # the driver here, so its exit code is the run's
    result = SubprocessHook().run_command(
        command=["bash", SUBMIT_SCRIPT, "run", "--config", CONFIG, "--run-date", run_date],
        env=env,
        cwd=ALIGNTUNE_HOME,
    )
    if result.exit_code == GATE_FAILED:
        raise AirflowFailException(
            f"aligntune refresh {run_date}: a gate refused promotion (exit 3); the promoted model is unchanged. "
            f"Reasons: the log above and the run manifest. Last line: {result.output}")
    if result.exit_code != 0:
        raise AirflowException(f"aligntune refresh {run_date} failed with exit code {result.exit_code}: {result.output}")


with DAG(
    dag_id="aligntune_nightly_refresh",
    description="DPO refresh from yesterday's feedback, evaluated and promoted only if the gates pass",
    schedule="30 2 * * *",
    start_date=datetime(2026, 1, 1, tzinfo=timezone.utc),
    catchup=False,          # missed nights are not replayed by themselves; backfill a date explicitly
    max_active_runs=1,      # one refresh at a time: each continues from the last promoted model
    default_args={
        "owner": "aligntune",
        "retries": 1,
        "retry_delay": timedelta(minutes=15),
        "execution_timeout": timedelta(hours=12),
    },
    tags=["aligntune", "spark"],
) as dag:
    PythonOperator(
        task_id="refresh",
        python_callable=refresh,
        op_kwargs={"run_date": "{{ ds }}"},
    )
