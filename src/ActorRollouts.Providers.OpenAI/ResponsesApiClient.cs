using ActorRollouts.Core.Model;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>One attempt of an OpenAI Responses API call, streamed, through the official SDK.</summary>
public sealed class ResponsesApiClient : IModelClient
{
    private readonly OpenAiClients _clients;

    public ResponsesApiClient(ProviderSettings settings) : this(new OpenAiClients(settings)) { }

    internal ResponsesApiClient(OpenAiClients clients) => _clients = clients;

    public async Task<ModelResponse> CompleteAsync(ModelRequest request, Action<ModelDelta>? onDelta, CancellationToken cancellationToken)
    {
        var responses = _clients.For(request.Endpoint).GetResponsesClient();
        var assembler = new ResponsesStreamAssembler(onDelta);
        return await ModelCallErrors.AttemptAsync(request.Endpoint, "responses", async () =>
        {
            var options = ResponsesConversions.ToOptions(request);
            if (!_clients.Stream)
            {
                options.StreamingEnabled = false;
                assembler.AddWhole(await responses.CreateResponseAsync(options, cancellationToken));
                return;
            }
            await foreach (var update in await responses.CreateResponseStreamingAsync(options, cancellationToken))
                assembler.Add(update);
        }, assembler.Complete, cancellationToken);
    }
}
