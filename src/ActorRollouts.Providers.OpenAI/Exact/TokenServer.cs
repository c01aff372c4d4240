using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using ActorRollouts.Core.Model;
using OpenAI;

namespace ActorRollouts.Providers.OpenAI.Exact;

/// <summary>The two vLLM routes token in, token out needs, reached through the OpenAI client's own pipeline (its key,
/// its timeout, no retries of its own): <c>POST /tokenize</c> at the server's root and <c>POST /v1/completions</c>.</summary>
internal sealed class TokenServer(OpenAIClient client, Endpoint endpoint)
{
    /// <summary>vLLM serves <c>/tokenize</c> beside <c>/v1</c>, not under it.</summary>
    public Uri TokenizeUri { get; } = new(Root(endpoint.BaseUrl) + "/tokenize");

    public Uri CompletionsUri { get; } = new(endpoint.BaseUrl.TrimEnd('/') + "/completions");

    private static string Root(string baseUrl)
    {
        var trimmed = baseUrl.TrimEnd('/');
        return trimmed.EndsWith("/v1", StringComparison.Ordinal) ? trimmed[..^3] : trimmed;
    }

    /// <summary>The template's tokens for <paramref name="messages"/> and the server's context length.</summary>
    public async Task<(int[] Tokens, int MaxModelLen)> TokenizeAsync(ModelRequest request, IEnumerable<Message> messages, bool addGenerationPrompt,
        CancellationToken cancellationToken)
    {
        using var response = await PostAsync(TokenizeUri, writer =>
        {
            writer.WriteString("model", request.Endpoint.Model);
            ChatRequest.WriteMessages(writer, messages, ChatConversions.LargeArguments);
            ChatRequest.WriteTools(writer, request.Tools);
            writer.WriteBoolean("add_generation_prompt", addGenerationPrompt);
        }, stream: false, cancellationToken);
        using var doc = JsonDocument.Parse(response.Content);
        var root = doc.RootElement;
        if (!root.TryGetProperty("tokens", out var tokens) || tokens.ValueKind != JsonValueKind.Array)
            throw new ModelCallException(ModelErrorKinds.Protocol, $"{TokenizeUri} answered without a 'tokens' array: is it a vLLM server?");
        var maxModelLen = root.TryGetProperty("max_model_len", out var max) && max.TryGetInt32(out var n) ? n : int.MaxValue;
        return ([.. tokens.EnumerateArray().Select(t => t.GetInt32())], maxModelLen);
    }

    /// <summary>Sends a JSON body written by <paramref name="body"/>; an error status throws as the SDK's calls do.</summary>
    public async Task<PipelineResponse> PostAsync(Uri uri, Action<Utf8JsonWriter> body, bool stream, CancellationToken cancellationToken)
    {
        using var message = client.Pipeline.CreateMessage();
        message.Request.Method = "POST";
        message.Request.Uri = uri;
        message.Request.Headers.Set("Content-Type", "application/json");
        message.Request.Content = ChatRequest.JsonContent(writer =>
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        });
        message.Apply(new RequestOptions { BufferResponse = !stream, CancellationToken = cancellationToken });
        await client.Pipeline.SendAsync(message);
        var response = message.ExtractResponse() ?? throw new ModelCallException(ModelErrorKinds.Protocol, $"{uri} gave no response");
        if (!response.IsError) return response;
        using (response) throw new ClientResultException(response);
    }
}
