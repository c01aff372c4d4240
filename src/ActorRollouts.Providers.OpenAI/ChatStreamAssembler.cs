using System.Buffers;
using System.Text;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Model;
using Microsoft.IO;
using OpenAI.Chat;

namespace ActorRollouts.Providers.OpenAI;

/// <summary>Assembles a streamed chat completion: text fragments concatenated, tool calls keyed by their
/// <c>index</c> (id and name arrive only in a call's first delta, argument fragments split anywhere), the finish reason,
/// and usage from the final chunk. Reports each fragment as a delta as it arrives.</summary>
internal sealed class ChatStreamAssembler(Action<ModelDelta>? onDelta) : IDisposable
{
    private readonly StringBuilder _text = new();
    private readonly StringBuilder _refusal = new();
    private readonly SortedDictionary<int, (string? Id, string? Name, ArgumentFragments Arguments)> _calls = [];
    private string? _id;

    public ChatFinishReason? FinishReason { get; private set; }
    public ChatTokenUsage? Usage { get; private set; }

    public void Add(StreamingChatCompletionUpdate update)
    {
        _id ??= update.CompletionId;
        foreach (var part in update.ContentUpdate)
        {
            if (string.IsNullOrEmpty(part.Text)) continue;
            _text.Append(part.Text);
            onDelta?.Invoke(new ModelDelta(ModelDelta.TextKind, part.Text));
        }
        if (!string.IsNullOrEmpty(update.RefusalUpdate))
        {
            // A refusal becomes the message's content (see Complete): watchers see it arrive like text.
            _refusal.Append(update.RefusalUpdate);
            onDelta?.Invoke(new ModelDelta(ModelDelta.TextKind, update.RefusalUpdate));
        }
        foreach (var call in update.ToolCallUpdates)
        {
            var entry = _calls.TryGetValue(call.Index, out var existing) ? existing : (null, null, new ArgumentFragments());
            entry.Id ??= call.ToolCallId;
            entry.Name ??= call.FunctionName;
            if (call.FunctionArgumentsUpdate is { } fragment && !fragment.IsEmpty)
            {
                entry.Arguments.Add(fragment.ToMemory().Span);
                onDelta?.Invoke(new ModelDelta(ModelDelta.ToolArgumentsKind, fragment.ToString(), entry.Id));
            }
            _calls[call.Index] = entry;
        }
        if (update.FinishReason is { } finish) FinishReason = finish;
        if (update.Usage is { } usage) Usage = usage;
    }

    public void Dispose()
    {
        foreach (var call in _calls.Values) call.Arguments.Dispose();
    }

    /// <summary>The assembled response. A stream without a finish reason was cut mid-way: never return a part of it.</summary>
    public ModelResponse Complete(long latencyMs)
    {
        if (FinishReason is not { } finish)
            throw new ModelCallException(ModelErrorKinds.StreamCut, "the response stream ended before the model finished", retryable: true);
        var content = _text.Length > 0 ? _text.ToString() : _refusal.Length > 0 ? _refusal.ToString() : null;
        var calls = ChatConversions.ToolCalls(_calls.Values.Select(c => (c.Id ?? "", c.Name ?? "", c.Arguments.Join())));
        return new ModelResponse(_id, Message.Assistant(content, calls), ChatConversions.FromUsage(Usage),
            ChatConversions.ToFinishReason(finish), latencyMs);
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
