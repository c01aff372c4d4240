using System.Collections.Immutable;

namespace ActorRollouts.Environments.Agents;

/// <summary>How to start a session's agent program: the task's <paramref name="Agent"/>, the prompt it is given, and where
/// its gateway listens — <paramref name="GatewaySocket"/> (a Unix socket, bridged into a sandbox without network) and
/// <paramref name="GatewayUrl"/> (loopback, for an agent with the host's network). <paramref name="Token"/> is the session's
/// key to the gateway: the only key the agent ever sees.</summary>
public sealed record AgentLaunch(Core.Tasks.AgentSpec Agent, string Prompt, string GatewaySocket, string GatewayUrl, string Token)
{
    /// <summary>What the agent sees of its endpoint: a redacted copy, for logs.</summary>
    public override string ToString() => $"AgentLaunch {{ Command = {string.Join(' ', Agent.Command)}, GatewayUrl = {GatewayUrl}, Token = *** }}";
}

/// <summary>How an agent program ended: its exit code (null when it was killed), whether its time ran out, the end of its
/// stderr.</summary>
public sealed record AgentOutcome(int? ExitCode, bool TimedOut, string StderrTail);
