"""Client for the ActorRollouts rollout service (``actor-rollouts serve``)."""

from .client import ApiError, Client, FleetStatus, PolicyUpdate

__all__ = ["ApiError", "Client", "FleetStatus", "PolicyUpdate"]
__version__ = "0.30.0"
