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
        using var assembler = new ChatStreamAssembler(null);
        return await ModelCallErrors.AttemptAsync(request.Endpoint, "chat/completions", async () =>
        {
            await foreach (var update in chat.CompleteChatStreamingAsync(request.Messages.Select(ChatConversions.ToChatMessage), Options(request)))
                assembler.Add(update);
        }, assembler.Complete, CancellationToken.None);
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
