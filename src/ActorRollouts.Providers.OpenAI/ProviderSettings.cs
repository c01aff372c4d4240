namespace ActorRollouts.Providers.OpenAI;

/// <summary>Per-request settings of the OpenAI clients. Retries are not here: the provider actor owns them.</summary>
public sealed record ProviderSettings(TimeSpan RequestTimeout);
