using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>One attempt of an OpenAI Chat Completions call, streamed, through the official SDK. Works with any
/// OpenAI-compatible server (vLLM, SGLang, …). Failures become <see cref="ModelCallException"/>s that say whether a
/// retry can help.</summary>
public sealed class ChatCompletionsClient : IModelClient
{
    private readonly OpenAiClients _clients;
    private readonly int _largeArguments;

    public ChatCompletionsClient(ProviderSettings settings) : this(new OpenAiClients(settings)) { }

    /// <param name="largeArguments">Above this many bytes of one call's arguments, <see cref="ChatRequest"/> writes the
    /// assistant turn itself (tests move it to hold both ways of writing one turn equal).</param>
    internal ChatCompletionsClient(OpenAiClients clients, int largeArguments = ChatConversions.LargeArguments) =>
        (_clients, _largeArguments) = (clients, largeArguments);

    public async Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken)
    {
        var chat = _clients.For(request.Endpoint).GetChatClient(request.Endpoint.Model);
        using var assembler = new ChatStreamAssembler(onDelta);
        return await ModelCallErrors.AttemptAsync(request.Endpoint, "chat/completions", async () =>
        {
            await foreach (var chunk in ChatRequest.StreamAsync(chat, request, _largeArguments, _clients.Stream, cancellationToken)) assembler.Add(chunk);
        }, assembler.Complete, cancellationToken);
    }
}
