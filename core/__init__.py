"""HubEE Box domain: models, services and rules. Never imports streamlit, fastapi or apscheduler."""
