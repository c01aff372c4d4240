using ActorRollouts.Core.Model;
using OpenAI.Responses;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>Assembles a streamed Responses API answer. Items are taken from <c>response.output_item.done</c> (the copy
/// whose <c>encrypted_content</c> is complete; the one in <c>output_item.added</c> is a truncated placeholder), in
/// output-index order. Text, reasoning-summary and argument deltas are reported as they arrive. Unknown event types
/// are ignored. A failure inside the stream (<c>error</c>, <c>response.failed</c>) becomes a
/// <see cref="ModelCallException"/>; a stream with no terminal event was cut.</summary>
internal sealed class ResponsesStreamAssembler(Action<ModelDelta>? onDelta)
{
    private readonly SortedDictionary<int, ResponseItem> _items = [];
    private readonly Dictionary<string, string> _callIdsByItemId = [];
    private (string? Code, string? Message)? _error;
    private string? _id;
    private string? _finishReason;
    private ResponseTokenUsage? _usage;

    public void Add(StreamingResponseUpdate update)
    {
        switch (update)
        {
            case StreamingResponseCreatedUpdate created:
                _id = created.Response?.Id;
                break;
            case StreamingResponseOutputItemAddedUpdate added when added.Item is FunctionCallResponseItem call && call.Id is not null:
                _callIdsByItemId[call.Id] = call.CallId;
                break;
            case StreamingResponseOutputTextDeltaUpdate text when !string.IsNullOrEmpty(text.Delta):
                onDelta?.Invoke(new ModelDelta(ModelDelta.TextKind, text.Delta));
                break;
            case StreamingResponseReasoningSummaryTextDeltaUpdate summary when !string.IsNullOrEmpty(summary.Delta):
                onDelta?.Invoke(new ModelDelta(ModelDelta.ReasoningKind, summary.Delta));
                break;
            case StreamingResponseFunctionCallArgumentsDeltaUpdate args when args.Delta is not null:
                onDelta?.Invoke(new ModelDelta(ModelDelta.ToolArgumentsKind, args.Delta.ToString(), _callIdsByItemId.GetValueOrDefault(args.ItemId ?? "")));
                break;
            case StreamingResponseOutputItemDoneUpdate done when done.Item is not null:
                _items[done.OutputIndex] = done.Item;
                break;
            case StreamingResponseCompletedUpdate completed:
                Finish(completed.Response, "stop");
                break;
            case StreamingResponseIncompleteUpdate incomplete:
                var reason = incomplete.Response?.IncompleteStatusDetails?.Reason;
                Finish(incomplete.Response, reason == ResponseIncompleteStatusReason.MaxOutputTokens ? "length" : reason?.ToString() ?? "incomplete");
                break;
            case StreamingResponseErrorUpdate error:
                // The spec puts code/message at the top level; real traffic nests them (then response.failed follows).
                _error = (error.Code, error.Message);
                if (error.Message is not null) throw Failure(error.Code, error.Message);
                break;
            case StreamingResponseFailedUpdate failed:
                throw Failure(failed.Response?.Error?.Code.ToString() ?? _error?.Code, failed.Response?.Error?.Message ?? _error?.Message ?? "the response failed");
        }
    }

    /// <summary>A whole (not streamed) response: what the stream's terminal event would have carried.</summary>
    public void AddWhole(ResponseResult response)
    {
        if (response.Status == ResponseStatus.Failed)
            throw Failure(response.Error?.Code.ToString(), response.Error?.Message ?? "the response failed");
        var reason = response.IncompleteStatusDetails?.Reason;
        Finish(response, response.Status != ResponseStatus.Incomplete ? "stop"
            : reason == ResponseIncompleteStatusReason.MaxOutputTokens ? "length" : reason?.ToString() ?? "incomplete");
    }

    public ModelResponse Complete(long latencyMs)
    {
        if (_finishReason is null)
            throw new ModelCallException(ModelErrorKinds.StreamCut, "the response stream ended before the response completed", retryable: true);
        var message = ResponsesConversions.FromOutputItems([.. _items.Values]);
        var finish = _finishReason == "stop" && message.HasToolCalls ? "tool_calls" : _finishReason;
        return new ModelResponse(_id, message, ResponsesConversions.FromUsage(_usage), finish, latencyMs);
    }

    private void Finish(ResponseResult? response, string finishReason)
    {
        _finishReason = finishReason;
        _usage = response?.Usage;
        _id = response?.Id ?? _id;
        // Items the stream did not deliver one by one (some servers only fill response.completed) come from there.
        if (_items.Count == 0 && response?.OutputItems is { Count: > 0 } output)
            for (var i = 0; i < output.Count; i++) _items[i] = output[i];
    }

    /// <summary>Rate limits and server errors are worth a retry (after the delay the message names); quota, context
    /// length and invalid requests are not.</summary>
    private static ModelCallException Failure(string? code, string message)
    {
        var retryable = code is "rate_limit_exceeded" or "server_error";
        var retryAfter = code == "rate_limit_exceeded" ? RetryAfterParser.FromMessage(message) : null;
        var text = ModelCallErrors.Mask($"the API reported {(code is null ? "an error" : $"'{code}'")}: {message}");
        return new ModelCallException(ModelErrorKinds.ApiError, text, retryAfter: retryAfter, retryable: retryable);
    }
}
