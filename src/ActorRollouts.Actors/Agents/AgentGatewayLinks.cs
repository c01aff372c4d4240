using System.Collections.Concurrent;
using System.Security.Cryptography;
using Akka.Actor;

namespace ActorRollouts.Actors.Agents;

/// <summary>Which session an agent's key belongs to, for the gateway in this process; and where that gateway listens. A
/// session registers a fresh key each time it starts its agent program and drops it when it stops, so a key is worth nothing
/// outside the run that made it (keys are never journaled).</summary>
public sealed class AgentGatewayLinks(string socketPath)
{
    private readonly ConcurrentDictionary<string, (string SessionId, IActorRef Session)> _sessions = new(StringComparer.Ordinal);

    /// <summary>The gateway's Unix socket, bound into sandboxes without network.</summary>
    public string SocketPath { get; } = socketPath;

    /// <summary>The gateway's loopback base URL (<c>http://127.0.0.1:PORT/v1</c>), for agents with the host's network.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Set once the gateway's loopback port is bound (before any session starts).</summary>
    public void ListensAt(string url) => Url = url;

    /// <summary>A new key for <paramref name="session"/>, valid until the returned handle is disposed.</summary>
    public (string Token, IDisposable Registration) Register(string sessionId, IActorRef session)
    {
        var token = "ar-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        _sessions[token] = (sessionId, session);
        return (token, new Registration(this, token));
    }

    public (string SessionId, IActorRef Session)? Find(string token) =>
        _sessions.TryGetValue(token, out var found) ? found : null;

    private sealed class Registration(AgentGatewayLinks links, string token) : IDisposable
    {
        public void Dispose() => links._sessions.TryRemove(token, out _);
    }
}
