using System.Buffers;
using System.Text;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;
using Microsoft.IO;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>Assembles a streamed chat completion from its chunks (read by <see cref="ChatChunkReader"/>): text fragments
/// concatenated, tool calls keyed by their <c>index</c> (id and name arrive only in a call's first delta, argument
/// fragments split anywhere), the finish reason, and usage from the final chunk. Reports each fragment as a delta as it
/// arrives, if anyone listens.</summary>
internal sealed class ChatStreamAssembler(Action<ModelDelta>? onDelta) : IDisposable
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _refusal = new();
    private readonly SortedDictionary<int, (string? Id, string? Name, ArgumentFragments Arguments)> _calls = [];
    private string? _id;
    private string? _finishReason;
    private Usage? _usage;

    /// <summary>What the stream carried of tokens (vLLM with <c>return_token_ids</c> and <c>logprobs</c>).</summary>
    internal TokenCollector Tokens { get; } = new();

    /// <summary>One chunk's JSON.</summary>
    public void Add(ReadOnlySpan<byte> chunk) => ChatChunkReader.Read(chunk, this);

    internal void OnId(string id) => _id ??= id;

    internal void OnText(string text)
    {
        if (text.Length == 0) return;
        _text.Append(text);
        onDelta?.Invoke(new ModelDelta(ModelDelta.TextKind, text));
    }

    /// <summary>A refusal becomes the message's content (see <see cref="Complete"/>): watchers see it arrive like text.</summary>
    internal void OnRefusal(string refusal)
    {
        if (refusal.Length == 0) return;
        _refusal.Append(refusal);
        onDelta?.Invoke(new ModelDelta(ModelDelta.TextKind, refusal));
    }

    internal void OnToolCall(int index, string? id, string? name, ReadOnlySpan<byte> arguments)
    {
        var entry = _calls.TryGetValue(index, out var existing) ? existing : (null, null, new ArgumentFragments());
        entry.Id ??= id;
        entry.Name ??= name;
        if (!arguments.IsEmpty)
        {
            entry.Arguments.Add(arguments);
            onDelta?.Invoke(new ModelDelta(ModelDelta.ToolArgumentsKind, Encoding.UTF8.GetString(arguments), entry.Id));
        }
        _calls[index] = entry;
    }

    internal void OnFinish(string reason) => _finishReason = reason;

    internal void OnUsage(Usage usage) => _usage = usage;

    public void Dispose()
    {
        foreach (var call in _calls.Values) call.Arguments.Dispose();
    }

    /// <summary>The assembled response. A stream without a finish reason was cut mid-way: never return a part of it.</summary>
    public ModelResponse Complete(long latencyMs)
    {
        if (_finishReason is not { } finish)
            throw new ModelCallException(ModelErrorKinds.StreamCut, "the response stream ended before the model finished", retryable: true);
        var content = _text.Length > 0 ? _text.ToString() : _refusal.Length > 0 ? _refusal.ToString() : null;
        var calls = ChatConversions.ToolCalls(_calls.Values.Select(c => (c.Id ?? "", c.Name ?? "", c.Arguments.Join())));
        return new ModelResponse(_id, Message.Assistant(content, calls), _usage ?? Usage.Zero, finish, latencyMs, Tokens.Output(), Tokens.SystemFingerprint);
    }
}

/// <summary>A tool call's argument fragments (UTF-8) as the stream delivers them, joined once at the end into an array of
/// the exact size: no string. Ordinary arguments grow a small array; large ones (a model writing a whole file) move to
/// pooled blocks, so no array is grown by doubling and each fragment dies young.</summary>
internal sealed class ArgumentFragments : IDisposable
{
    private const int SmallLimit = 64 * 1024;

    private ArrayBufferWriter<byte>? _small;
    private RecyclableMemoryStream? _large;

    public void Add(ReadOnlySpan<byte> fragment)
    {
        if (_large is null && (_small?.WrittenCount ?? 0) + fragment.Length <= SmallLimit)
        {
            (_small ??= new ArrayBufferWriter<byte>(256)).Write(fragment);
            return;
        }
        if (_large is null)
        {
            _large = PooledBuffers.Streams.GetStream(nameof(ArgumentFragments));
            _large.Write(_small is null ? [] : _small.WrittenSpan);
            _small = null;
        }
        _large.Write(fragment);
    }

    public ToolArguments Join() => new(_large?.ToArray() ?? _small?.WrittenSpan.ToArray() ?? []);

    public void Dispose() => _large?.Dispose();
}
