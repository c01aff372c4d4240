using System.Diagnostics;
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
        var clock = Stopwatch.StartNew();
        var responses = _clients.For(request.Endpoint).GetResponsesClient();
        var assembler = new ResponsesStreamAssembler(onDelta);
        try
        {
            await foreach (var update in await responses.CreateResponseStreamingAsync(ResponsesConversions.ToOptions(request), cancellationToken))
                assembler.Add(update);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw; // the caller gave up (its timeout or shutdown): it knows why
        }
        catch (Exception ex) when (ex is not ModelCallException)
        {
            throw ModelCallErrors.From(ex, request.Endpoint, "responses", cancellationToken);
        }
        return assembler.Complete(clock.ElapsedMilliseconds);
    }
}
