using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>One attempt of an OpenAI Chat Completions call, streamed, through the official SDK. Works with any
/// OpenAI-compatible server (vLLM, SGLang, …). Failures become <see cref="ModelCallException"/>s that say whether a
/// retry can help.</summary>
public sealed class ChatCompletionsClient : IModelClient
{
    private readonly OpenAiClients _clients;

    public ChatCompletionsClient(ProviderSettings settings) : this(new OpenAiClients(settings)) { }

    internal ChatCompletionsClient(OpenAiClients clients) => _clients = clients;

    public async Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken)
    {
        var chat = _clients.For(request.Endpoint).GetChatClient(request.Endpoint.Model);
        var assembler = new ChatStreamAssembler(onDelta);
        return await ModelCallErrors.AttemptAsync(request.Endpoint, "chat/completions", async () =>
        {
            var updates = chat.CompleteChatStreamingAsync(ChatConversions.ToChatMessages(request.Messages),
                ChatConversions.ToOptions(request), cancellationToken);
            await foreach (var update in updates) assembler.Add(update);
        }, assembler.Complete, cancellationToken);
    }
}
