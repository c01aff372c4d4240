using System.Text;

namespace ActorRollouts.FakeLlm;

/// <summary>The fake model's vocabulary: small, deterministic and invertible, so token capture can be tested without a
/// real tokenizer. Seven special tokens (ids 1–7) are recognised anywhere in a text; any other text is UTF-8, encoded
/// per segment between specials as consecutive byte pairs from the segment's start (<c>1000 + b0*256 + b1</c>) and a
/// trailing odd byte (<c>300 + b</c>). Ids reach about 66,500, so like a real 150k vocabulary they need 3-byte varints.
/// A pair may split a multi-byte character; only the one-token display strings (<see cref="TokenText"/>) show that, as
/// replacement characters. Text must be well-formed UTF-16 (a lone surrogate cannot survive UTF-8).</summary>
public static class FakeTokenizer
{
    public const int ImStart = 1, ImEnd = 2, ToolCallStart = 3, ToolCallEnd = 4, ThinkStart = 5, ThinkEnd = 6, EndOfText = 7;
    public const int SingleByteBase = 300, PairBase = 1000;

    /// <summary>The special tokens' texts, indexed by id (index 0 is unused).</summary>
    public static IReadOnlyList<string> SpecialTexts { get; } =
        ["", "<|im_start|>", "<|im_end|>", "<tool_call>", "</tool_call>", "<think>", "</think>", "<|endoftext|>"];

    public static int[] Encode(string text) => EncodeWith(text, pairs: true);

    /// <summary>The same text with every byte as its own token: decodes to the same text under different ids, as a
    /// server that re-tokenizes the model's own answer differently would produce (drift).</summary>
    public static int[] EncodeSingles(string text) => EncodeWith(text, pairs: false);

    public static string Decode(ReadOnlySpan<int> ids)
    {
        var bytes = new List<byte>(ids.Length * 2);
        foreach (var id in ids) AppendBytes(bytes, id);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>Whether <paramref name="id"/> is in the vocabulary (what <see cref="Encode"/> or <see cref="EncodeSingles"/> can produce).</summary>
    public static bool IsToken(int id) =>
        id is >= ImStart and <= EndOfText or >= SingleByteBase and < SingleByteBase + 256 or >= PairBase and < PairBase + 65536;

    /// <summary>The display string of one token (logprobs' <c>token</c>, and <c>bytes</c> as its UTF-8): a special's text,
    /// else its bytes decoded, with replacement characters for a piece of a split character.</summary>
    public static string TokenText(int id)
    {
        if (id is >= ImStart and <= EndOfText) return SpecialTexts[id];
        var bytes = new List<byte>(2);
        AppendBytes(bytes, id);
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    /// <summary>How many bytes of decoded text the token stands for.</summary>
    internal static int ByteLength(int id) => id switch
    {
        >= ImStart and <= EndOfText => SpecialTexts[id].Length,
        >= PairBase => 2,
        _ => 1,
    };

    private static void AppendBytes(List<byte> bytes, int id)
    {
        if (!IsToken(id)) throw new ArgumentOutOfRangeException(nameof(id), id, $"token id {id} is not in the fake vocabulary");
        switch (id)
        {
            case <= EndOfText:
                foreach (var c in SpecialTexts[id]) bytes.Add((byte)c); // specials are ASCII
                break;
            case >= PairBase:
                bytes.Add((byte)((id - PairBase) >> 8));
                bytes.Add((byte)((id - PairBase) & 0xFF));
                break;
            default:
                bytes.Add((byte)(id - SingleByteBase));
                break;
        }
    }

    private static int[] EncodeWith(string text, bool pairs)
    {
        var ids = new List<int>(text.Length / 2 + 4);
        var segmentStart = 0;
        for (var at = text.IndexOf('<'); at >= 0; at = text.IndexOf('<', at))
        {
            var special = SpecialAt(text, at);
            if (special == 0)
            {
                at++;
                continue;
            }
            EncodeSegment(ids, text.AsSpan(segmentStart, at - segmentStart), pairs);
            ids.Add(special);
            at += SpecialTexts[special].Length;
            segmentStart = at;
        }
        EncodeSegment(ids, text.AsSpan(segmentStart), pairs);
        return [.. ids];
    }

    private static int SpecialAt(string text, int at)
    {
        for (var id = ImStart; id <= EndOfText; id++)
            if (text.AsSpan(at).StartsWith(SpecialTexts[id], StringComparison.Ordinal)) return id;
        return 0;
    }

    private static void EncodeSegment(List<int> ids, ReadOnlySpan<char> segment, bool pairs)
    {
        if (segment.IsEmpty) return;
        var bytes = Encoding.UTF8.GetBytes(segment.ToArray());
        var i = 0;
        if (pairs)
            for (; i + 1 < bytes.Length; i += 2)
                ids.Add(PairBase + bytes[i] * 256 + bytes[i + 1]);
        for (; i < bytes.Length; i++) ids.Add(SingleByteBase + bytes[i]);
    }
}
