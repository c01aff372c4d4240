using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>The model client sessions use: Chat Completions or the Responses API, as each endpoint's (already resolved)
/// <c>api</c> says, or token in, token out through <c>/v1/completions</c> for <c>--tokens exact</c>. All share one
/// connection pool per endpoint.</summary>
public sealed class OpenAiModelClient : IModelClient
{
    private readonly ChatCompletionsClient _chat;
    private readonly ResponsesApiClient _responses;
    private readonly Exact.ExactTokensClient _exact;

    public OpenAiModelClient(ProviderSettings settings)
    {
        var clients = new OpenAiClients(settings);
        _chat = new ChatCompletionsClient(clients);
        _responses = new ResponsesApiClient(clients);
        _exact = new Exact.ExactTokensClient(clients);
    }

    public Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken) =>
        request.Endpoint.IsExact ? _exact.CompleteAsync(request, onDelta, cancellationToken)
        : request.Endpoint.Api == ApiRouting.Responses ? _responses.CompleteAsync(request, onDelta, cancellationToken)
        : _chat.CompleteAsync(request, onDelta, cancellationToken);
}
