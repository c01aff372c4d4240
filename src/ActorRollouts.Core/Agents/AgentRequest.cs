using System.Collections.Immutable;
using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Agents;

/// <summary>One model request an agent program sent to its session's gateway, read off the wire: the conversation it
/// sends (the whole history, as agents do), the tools it offers, the model it names, and how it wants the answer.</summary>
public sealed record AgentRequest(
    string Api,
    string? Model,
    bool Stream,
    bool IncludeUsage,
    ImmutableList<Message> Messages,
    ImmutableList<ToolSpec> Tools);

/// <summary>A request the gateway cannot take, in the OpenAI error shape's terms: <paramref name="Param"/> names the field.
/// <paramref name="Status"/> is the HTTP status (400 unless said otherwise).</summary>
public sealed class AgentRequestException(string message, string? param = null, int status = 400, string type = "invalid_request_error",
    string? code = null) : Exception(message)
{
    public string? Param { get; } = param;
    public int Status { get; } = status;
    public string Type { get; } = type;
    public string? Code { get; } = code;
}
