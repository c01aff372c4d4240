using System.Runtime.InteropServices;
using ActorRollouts.Core.Tokens;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>The token ids and log probabilities a response carries, gathered as its chunks arrive: the prompt's ids (vLLM
/// sends them on the first chunk), every chunk's generated ids and log probabilities, in order.</summary>
internal sealed class TokenCollector
{
    public List<int> PromptIds { get; } = [];
    public List<int> CompletionIds { get; } = [];
    public List<float> Logprobs { get; } = [];
    public string? SystemFingerprint { get; set; }

    /// <summary>The tokens, or null when the server sent no ids (it ignored <c>return_token_ids</c>, or was not asked).</summary>
    public TokenOutput? Output() => PromptIds.Count == 0 && CompletionIds.Count == 0
        ? null
        : new TokenOutput([.. CollectionsMarshal.AsSpan(PromptIds)], [.. CollectionsMarshal.AsSpan(CompletionIds)], [.. CollectionsMarshal.AsSpan(Logprobs)]);
}
