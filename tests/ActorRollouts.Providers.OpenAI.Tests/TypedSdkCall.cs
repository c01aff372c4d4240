using System.Collections.Immutable;
using System.Text.Json;
using ActorRollouts.Core.Model;
using OpenAI.Chat;

namespace ActorRollouts.Providers.OpenAI.Tests;

/// <summary>The same call made the SDK's typed way (<see cref="ChatClient.CompleteChatStreamingAsync(IEnumerable{ChatMessage}, ChatCompletionOptions, CancellationToken)"/>
/// with its own options type), as <see cref="ChatCompletionsClient"/> made it before writing its own body: the reference
/// that <see cref="ChatRequest"/>'s body and answers are held to.</summary>
internal static class TypedSdkCall
{
    public static async Task<ModelResponse> CompleteAsync(ModelRequest request)
    {
        var chat = new OpenAiClients(new ProviderSettings(TimeSpan.FromSeconds(20))).For(request.Endpoint).GetChatClient(request.Endpoint.Model);
        var updates = new List<StreamingChatCompletionUpdate>();
        return await ModelCallErrors.AttemptAsync(request.Endpoint, "chat/completions", async () =>
        {
            await foreach (var update in chat.CompleteChatStreamingAsync(request.Messages.Select(ChatConversions.ToChatMessage), Options(request)))
                updates.Add(update);
        }, latency => Assemble(updates, latency), CancellationToken.None);
    }

    /// <summary>A response from the SDK's own reading of the stream's chunks, as <see cref="ChatStreamAssembler"/> made it
    /// before it read chunks itself: the first choice's text (or refusal), tool calls by index, finish reason, usage, and the
    /// server's system fingerprint.</summary>
    public static ModelResponse Assemble(IReadOnlyList<StreamingChatCompletionUpdate> updates, long latencyMs)
    {
        var text = string.Concat(updates.SelectMany(u => u.ContentUpdate).Select(p => p.Text));
        var refusal = string.Concat(updates.Select(u => u.RefusalUpdate));
        var calls = updates.SelectMany(u => u.ToolCallUpdates).GroupBy(c => c.Index).OrderBy(g => g.Key).Select(g => new ToolCall(
            g.Select(c => c.ToolCallId).FirstOrDefault(id => id is not null) ?? "",
            g.Select(c => c.FunctionName).FirstOrDefault(n => n is not null) ?? "",
            new ToolArguments(g.SelectMany(c => c.FunctionArgumentsUpdate?.ToArray() ?? []).ToArray()))).ToImmutableList();
        var finish = updates.LastOrDefault(u => u.FinishReason is not null)?.FinishReason
            ?? throw new ModelCallException(ModelErrorKinds.StreamCut, "the response stream ended before the model finished", retryable: true);
        var usage = updates.LastOrDefault(u => u.Usage is not null)?.Usage;
        return new ModelResponse(updates.Select(u => u.CompletionId).FirstOrDefault(id => id is not null),
            Message.Assistant(text.Length > 0 ? text : refusal.Length > 0 ? refusal : null, calls),
            usage is null ? Usage.Zero : new Usage(usage.InputTokenCount, usage.OutputTokenCount,
                usage.OutputTokenDetails?.ReasoningTokenCount ?? 0, usage.InputTokenDetails?.CachedTokenCount ?? 0),
            finish switch
            {
                ChatFinishReason.Stop => "stop",
                ChatFinishReason.Length => "length",
                ChatFinishReason.ToolCalls => "tool_calls",
                ChatFinishReason.ContentFilter => "content_filter",
                ChatFinishReason.FunctionCall => "function_call",
                _ => finish.ToString(),
            },
            latencyMs,
            SystemFingerprint: updates.Select(u => u.SystemFingerprint).FirstOrDefault(f => f is not null));
    }

    /// <summary>Tools, temperature, <c>max_completion_tokens</c>, and the endpoint's extra body fields through the SDK's JSON patch.</summary>
    private static ChatCompletionOptions Options(ModelRequest request)
    {
        var endpoint = request.Endpoint;
        var options = new ChatCompletionOptions
        {
            Temperature = endpoint.Temperature is { } t ? (float)t : null,
            MaxOutputTokenCount = endpoint.MaxOutputTokens,
        };
        foreach (var tool in request.Tools)
            options.Tools.Add(ChatTool.CreateFunctionTool(tool.Name, tool.Description, BinaryData.FromString(tool.ParametersSchema.GetRawText())));
        foreach (var (key, value) in endpoint.ExtraBody ?? System.Collections.Immutable.ImmutableSortedDictionary<string, JsonElement>.Empty)
            options.Patch.Set(System.Text.Encoding.UTF8.GetBytes($"$.{key}"), BinaryData.FromString(value.GetRawText()));
        return options;
    }
}
