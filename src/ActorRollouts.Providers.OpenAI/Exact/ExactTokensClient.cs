using System.Collections.Immutable;
using System.Net.ServerSentEvents;
using System.Runtime.InteropServices;
using System.Text.Json;
using ActorRollouts.Core.Model;
using ActorRollouts.Core.Tokens;

namespace ActorRollouts.Providers.OpenAI.Exact;

/// <summary>One attempt of a token-in, token-out call (<c>--tokens exact</c>): the prompt is the session's own ids
/// extended by the template's tokens for the new messages (<see cref="ExactPrompts"/>, from vLLM's <c>/tokenize</c>), sent
/// to <c>/v1/completions</c> as ids; the generated text is parsed for tool calls by the endpoint's parser. The server never
/// re-tokenizes history, so each session is one sample however its template treats earlier turns.</summary>
internal sealed class ExactTokensClient(OpenAiClients clients)
{
    public async Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken)
    {
        var server = new TokenServer(clients.For(request.Endpoint), request.Endpoint);
        var assembler = new CompletionsAssembler(onDelta);
        var prompt = ImmutableArray<int>.Empty;
        return await ModelCallErrors.AttemptAsync(request.Endpoint, "completions", async () =>
        {
            (prompt, var maxModelLen) = await PromptAsync(server, request, cancellationToken);
            var maxTokens = request.Endpoint.MaxOutputTokens ?? maxModelLen - prompt.Length;
            if (maxTokens < 1)
                throw new ModelCallException(ModelErrorKinds.Http,
                    $"the prompt of {prompt.Length} tokens fills the model's context of {maxModelLen} tokens (context_length_exceeded)");
            var stream = clients.Stream;
            using var response = await server.PostAsync(server.CompletionsUri, writer => WriteBody(writer, request.Endpoint, prompt, maxTokens, stream), stream, cancellationToken);
            if (!stream)
            {
                assembler.Add(response.Content.ToArray()); // a whole completion reads as one chunk
                return;
            }
            var events = SseParser.Create(response.ContentStream!, static (_, data) => data.ToArray());
            await foreach (var item in events.EnumerateAsync(cancellationToken))
            {
                if (item.Data.AsSpan().SequenceEqual("[DONE]"u8)) break;
                assembler.Add(item.Data);
            }
        }, latency => Complete(request, prompt, assembler, latency), cancellationToken);
    }

    /// <summary>The first turn's prompt is the template's rendering of the whole transcript; every later one extends the
    /// session's own tokens.</summary>
    private static async Task<(ImmutableArray<int> Prompt, int MaxModelLen)> PromptAsync(TokenServer server, ModelRequest request, CancellationToken cancellationToken)
    {
        var (withNew, maxModelLen) = await server.TokenizeAsync(request, request.Messages, addGenerationPrompt: true, cancellationToken);
        var lastAssistant = request.Messages.FindLastIndex(m => m.Role == Roles.Assistant);
        if (request.TokenPrefix.IsDefaultOrEmpty || lastAssistant < 0) return ([.. withNew], maxModelLen);
        var (history, _) = await server.TokenizeAsync(request, request.Messages.Take(lastAssistant + 1), addGenerationPrompt: false, cancellationToken);
        var next = ExactPrompts.Extend(request.TokenPrefix, history, withNew)
                   ?? throw new ModelCallException(ModelErrorKinds.Protocol,
                       $"{server.TokenizeUri}: the chat template renders the history differently once new messages follow it, so the new " +
                       "messages' tokens cannot be cut off the end; --tokens exact needs a template that appends each message (use --tokens capture)");
        return (next, maxModelLen);
    }

    private static void WriteBody(Utf8JsonWriter writer, Endpoint endpoint, ImmutableArray<int> prompt, int maxTokens, bool stream)
    {
        var extra = endpoint.ExtraBody ?? ImmutableSortedDictionary<string, JsonElement>.Empty;
        writer.WriteString("model", endpoint.Model);
        writer.WriteStartArray("prompt");
        foreach (var id in prompt) writer.WriteNumberValue(id);
        writer.WriteEndArray();
        if (!extra.ContainsKey("max_tokens")) writer.WriteNumber("max_tokens", maxTokens);
        if (endpoint.Temperature is { } temperature && !extra.ContainsKey("temperature")) writer.WriteNumber("temperature", temperature);
        if (!extra.ContainsKey("logprobs")) writer.WriteNumber("logprobs", endpoint.TopLogprobs); // 0: the sampled token's alone
        ChatRequest.WriteIdsAndSalt(writer, endpoint, extra);
        writer.WriteBoolean("stream", stream);
        if (stream)
        {
            writer.WriteStartObject("stream_options");
            writer.WriteBoolean("include_usage", true);
            writer.WriteEndObject();
        }
        foreach (var (key, value) in extra)
        {
            writer.WritePropertyName(key);
            value.WriteTo(writer);
        }
    }

    private static ModelResponse Complete(ModelRequest request, ImmutableArray<int> prompt, CompletionsAssembler assembler, long latencyMs)
    {
        if (assembler.FinishReason is not { } finish)
            throw new ModelCallException(ModelErrorKinds.StreamCut, "the completion stream ended before the model finished", retryable: true);
        if (assembler.CompletionIds.Count == 0)
            throw new ModelCallException(ModelErrorKinds.Protocol,
                $"{request.Endpoint.BaseUrl.TrimEnd('/')}/completions answered without token_ids: --tokens exact needs vLLM 0.10.2 or later");
        var parsed = ToolCallParsers.Parse(request.Endpoint.ToolCallParser ?? ToolCallParsers.Hermes, assembler.Text, request.Turn);
        var message = new Message(Roles.Assistant, parsed.Content, parsed.Reasoning, parsed.Calls.IsEmpty ? null : parsed.Calls);
        var tokens = new TokenOutput(prompt, [.. CollectionsMarshal.AsSpan(assembler.CompletionIds)], [.. CollectionsMarshal.AsSpan(assembler.Logprobs)]);
        var usage = assembler.Usage ?? new Usage(prompt.Length, assembler.CompletionIds.Count);
        return new ModelResponse(assembler.Id, message, usage, message.HasToolCalls && finish == "stop" ? "tool_calls" : finish, latencyMs, tokens);
    }
}
