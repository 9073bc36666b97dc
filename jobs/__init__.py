"""The scheduler process (APScheduler 3): one small function per job, each calling one core service."""
