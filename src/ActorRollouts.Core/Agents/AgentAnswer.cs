using ActorRollouts.Core.Model;

namespace ActorRollouts.Core.Agents;

/// <summary>What the gateway sends back for one agent request: the model's answer as the journal holds it. Everything in it
/// comes from journaled events, so the same answer renders to the same bytes whenever it is sent.</summary>
public sealed record AgentAnswer(string Id, string Model, long Created, Message Assistant, string? FinishReason, Usage Usage)
{
    /// <summary>The answer to turn <paramref name="turn"/>, answered at <paramref name="at"/>: the one rule both a live answer
    /// and its replay follow, so both are the same bytes.</summary>
    public static AgentAnswer Of(string? responseId, int turn, string model, DateTimeOffset at, Message assistant, string? finishReason, Usage usage) =>
        new(responseId ?? $"chatcmpl-{turn}", model, at.ToUnixTimeSeconds(), assistant, finishReason, usage);

    /// <summary>The finish reason the wire gives: the model's, or <c>tool_calls</c>/<c>stop</c> when it gave none.</summary>
    public string WireFinishReason => FinishReason ?? (Assistant.HasToolCalls ? "tool_calls" : "stop");
}
