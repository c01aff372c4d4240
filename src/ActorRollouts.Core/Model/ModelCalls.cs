using System.Collections.Immutable;

namespace ActorRollouts.Core.Model;

/// <summary>One model call: the transcript so far and the tools on offer. <paramref name="TokenPrefix"/> (exact tokens
/// only) is the session's token sequence so far — the last turn's prompt and completion — which the next prompt extends.</summary>
public sealed record ModelRequest(
    Endpoint Endpoint,
    ImmutableList<Message> Messages,
    ImmutableList<ToolSpec> Tools,
    int Turn,
    string SessionId,
    ImmutableArray<int> TokenPrefix = default);

/// <summary>The assembled result of one model call. <paramref name="Assistant"/> is the message that enters
/// the transcript; <paramref name="FinishReason"/> is the API's (stop, tool_calls, length, …). <paramref name="Tokens"/> are
/// the ids and log probabilities the server reported (null when it reported none); <paramref name="SystemFingerprint"/>
/// names the server's configuration when it gives one.</summary>
public sealed record ModelResponse(
    string? ResponseId,
    Message Assistant,
    Usage Usage,
    string? FinishReason,
    long LatencyMs,
    Tokens.TokenOutput? Tokens = null,
    string? SystemFingerprint = null);

/// <summary>A piece of a streamed answer, as it arrives. Published for live watchers, never journaled.</summary>
public sealed record ModelDelta(string Kind, string Text, string? ToolCallId = null)
{
    public const string TextKind = "text";
    public const string ReasoningKind = "reasoning";
    public const string ToolArgumentsKind = "tool_arguments";
}

/// <summary>Why a model call failed, in words a user and a retry policy both understand.</summary>
public static class ModelErrorKinds
{
    public const string Http = "http";
    public const string Connection = "connection";
    public const string Timeout = "timeout";
    public const string StreamCut = "stream_cut";
    public const string Protocol = "protocol";
    /// <summary>The API reported a failure inside a successful (200) stream: <c>error</c> / <c>response.failed</c>.</summary>
    public const string ApiError = "api_error";
    /// <summary>Cut (or held back) by a weight update (<c>mode: "abort"</c>, or a request waiting while one was applied): it
    /// is sent again under the new policy, and nothing it generated reaches a sample.</summary>
    public const string Aborted = "aborted";
}

/// <summary>Thrown by a model client when a call fails. Carries what the retry decision needs.</summary>
public sealed class ModelCallException(
    string kind, string message, int? httpStatus = null, TimeSpan? retryAfter = null, bool retryable = false,
    Exception? inner = null) : Exception(message, inner)
{
    public string Kind { get; } = kind;
    public int? HttpStatus { get; } = httpStatus;
    public TimeSpan? RetryAfter { get; } = retryAfter;
    public bool Retryable { get; } = retryable;
}

/// <summary>Anything that can answer a <see cref="ModelRequest"/>: the OpenAI providers implement it.</summary>
public interface IModelClient
{
    /// <summary>Runs one attempt of the call. Deltas are reported as they stream in.
    /// Throws <see cref="ModelCallException"/> on failure.</summary>
    Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken);
}
