using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>The model client sessions use: Chat Completions or the Responses API, as each endpoint's (already resolved)
/// <c>api</c> says. Both share one connection pool per endpoint.</summary>
public sealed class OpenAiModelClient : IModelClient
{
    private readonly ChatCompletionsClient _chat;
    private readonly ResponsesApiClient _responses;

    public OpenAiModelClient(ProviderSettings settings)
    {
        var clients = new OpenAiClients(settings);
        _chat = new ChatCompletionsClient(clients);
        _responses = new ResponsesApiClient(clients);
    }

    public Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken) =>
        request.Endpoint.Api == ApiRouting.Responses
            ? _responses.CompleteAsync(request, onDelta, cancellationToken)
            : _chat.CompleteAsync(request, onDelta, cancellationToken);
}
