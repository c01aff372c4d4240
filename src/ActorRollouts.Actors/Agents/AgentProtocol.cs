using System.Collections.Immutable;
using ActorRollouts.Core.Agents;
using ActorRollouts.Core.Model;
using ActorRollouts.Environments.Agents;

namespace ActorRollouts.Actors.Agents;

/// <summary>Between the gateway, a session and its environment, for sessions driven by their own agent program.</summary>
public static class AgentProtocol
{
    /// <summary>Gateway → session: the agent's next model request. Answered with <see cref="AgentTurnAnswered"/> once the answer
    /// is journaled, or <see cref="AgentTurnRefused"/>.</summary>
    public sealed record AgentTurn(AgentRequest Request);

    /// <summary>Gateway → session: a request the gateway could not read (journaled, then refused with this error).</summary>
    public sealed record AgentTurnInvalid(string Error, string? Param);

    public sealed record AgentTurnAnswered(AgentAnswer Answer);

    /// <summary>An OpenAI-shaped error for the agent: <paramref name="Status"/>, message, type, code and the field at fault.</summary>
    public sealed record AgentTurnRefused(int Status, string Message, string Type = "invalid_request_error", string? Code = null, string? Param = null);

    /// <summary>Session → environment: start the agent program (once the workspace is ready).</summary>
    public sealed record StartAgent(AgentLaunch Launch);

    /// <summary>Session → environment: the session stopped; stop its agent program after <paramref name="Grace"/> unless it
    /// ends by itself first (told why by the gateway, a well-behaved agent exits cleanly).</summary>
    public sealed record StopAgent(TimeSpan Grace);

    /// <summary>Session → environment: what has the agent changed in the workspace since the last time it was asked?</summary>
    public sealed record TrackAgentChanges
    {
        public static readonly TrackAgentChanges Instance = new();
    }

    /// <summary>Environment → session: the answer to <see cref="TrackAgentChanges"/>.</summary>
    public sealed record AgentChangesTracked(ImmutableList<FileChange> Changes);

    /// <summary>Environment → session: the agent program ended, and what it changed after its last request.</summary>
    public sealed record AgentProgramEnded(AgentOutcome Outcome, ImmutableList<FileChange> Changes);
}
