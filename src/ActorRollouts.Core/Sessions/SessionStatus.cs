namespace ActorRollouts.Core.Sessions;

/// <summary>Lifecycle of a session as its own journal sees it.</summary>
public enum SessionStatus
{
    NotStarted,
    Running,
    Completed,
    Failed,
}
