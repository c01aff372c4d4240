using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Concurrent;
using ActorRollouts.Core.Model;
using OpenAI;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>One <see cref="OpenAIClient"/> per (base URL, key), shared by every session of a fleet so thousands of
/// sessions reuse the same HTTP connections. The SDK's own retries are off: ours, in the provider actor, are the only
/// ones, and every attempt is journaled.</summary>
internal sealed class OpenAiClients(ProviderSettings settings)
{
    /// <summary>Sent when the key variable is unset: local OpenAI-compatible servers want no key, but the SDK wants one.</summary>
    public const string PlaceholderKey = "no-key";

    private readonly ConcurrentDictionary<(string BaseUrl, string Key), OpenAIClient> _clients = new();

    /// <summary>Answers as server-sent events (the default), or whole.</summary>
    public bool Stream => settings.Stream;

    public OpenAIClient For(Endpoint endpoint)
    {
        // The key is read at call time from the named variable and never stored in anything we journal or log.
        var key = Environment.GetEnvironmentVariable(endpoint.ApiKeyEnv) is { Length: > 0 } k ? k : PlaceholderKey;
        return _clients.GetOrAdd((endpoint.BaseUrl, key), static (id, timeout) => new OpenAIClient(new ApiKeyCredential(id.Key),
            new OpenAIClientOptions
            {
                Endpoint = new Uri(id.BaseUrl),
                RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
                NetworkTimeout = timeout,
            }), settings.RequestTimeout);
    }
}
