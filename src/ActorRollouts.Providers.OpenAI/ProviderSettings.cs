namespace ActorRollouts.Providers.OpenAI;

/// <summary>Per-request settings of the OpenAI clients. Retries are not here: the provider actor owns them.
/// <paramref name="Stream"/> off asks for whole answers instead of server-sent events.</summary>
public sealed record ProviderSettings(TimeSpan RequestTimeout, bool Stream = true);
