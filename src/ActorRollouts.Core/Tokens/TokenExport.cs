using System.Buffers;
using System.Collections.Immutable;
using System.Text;
using System.Text.Json;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;

namespace ActorRollouts.Core.Tokens;

/// <summary>A finished session's samples as the lines of <c>export --format tokens</c>, rebuilt from its journaled turns
/// every time (<see cref="TokenSamples"/>). A session that recorded no tokens at all gets one line saying so
/// (<c>"tokens": "unavailable"</c>, empty arrays), so no session goes missing without a word.</summary>
public static class TokenExport
{
    public const string Complete = "complete";
    public const string NoLogprobs = "no_logprobs";
    public const string Unavailable = "unavailable";

    public static IEnumerable<string> Lines(SessionState session) => Rows(session).Select(Line);

    /// <summary>The session's samples with what the export says beside them: whether they are complete, and the turns the
    /// session has without tokens.</summary>
    public static IEnumerable<TokenExportRow> Rows(SessionState session)
    {
        var samples = TokenSamples.Of(session);
        var gaps = session.TokenTurns.Where(t => !t.Tokens.IsAvailable).Select(t => t.Turn).ToImmutableList();
        if (samples.IsEmpty)
        {
            yield return new TokenExportRow(session, new TokenSample(0, [], [], [], [], [], [], TokenSample.FirstTurn, null), Unavailable, gaps);
            yield break;
        }
        foreach (var sample in samples) yield return new TokenExportRow(session, sample, sample.HasLogprobs ? Complete : NoLogprobs, gaps);
    }

    public static string Line(TokenExportRow row)
    {
        var (session, sample, tokens, gaps) = row;
        var spec = session.Spec!;
        var buffer = new ArrayBufferWriter<byte>(1024 + 16 * (sample.PromptIds.Length + sample.ResponseIds.Length));
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = RolloutJson.Options.Encoder }))
        {
            w.WriteStartObject();
            w.WriteString("session_id", spec.SessionId);
            w.WriteNumber("sample_index", sample.SampleIndex);
            w.WriteString("task_id", spec.TaskId);
            w.WriteNumber("sample", spec.Sample);
            w.WriteString("tokens", tokens);
            Ints(w, "prompt_ids", sample.PromptIds.AsSpan());
            Ints(w, "response_ids", sample.ResponseIds.AsSpan());
            w.WriteStartArray("response_mask");
            foreach (var bit in sample.ResponseMask) w.WriteNumberValue(bit);
            w.WriteEndArray();
            w.WriteStartArray("response_logprobs");
            foreach (var logprob in sample.ResponseLogprobs) w.WriteNumberValue(logprob);
            w.WriteEndArray();
            Ints(w, "policy_versions", sample.PolicyVersions.AsSpan());
            Ints(w, "turns", [.. sample.Turns]);
            w.WriteString("start_reason", sample.StartReason);
            if (sample.Thread is { } thread) w.WriteNumber("thread", thread);
            if (sample.Drift is { } drift) w.WriteNumber("drift", drift);
            else w.WriteNull("drift");
            Ints(w, "unavailable_turns", [.. gaps]);
            if (session.Reward is { } reward) w.WriteNumber("reward", reward);
            else w.WriteNull("reward");
            w.WriteString("status", Fleets.SessionOutcomes.Of(session.Status));
            if (session.StopReason is { } stop) w.WriteString("stop_reason", stop);
            else w.WriteNull("stop_reason");
            w.WritePropertyName("metadata");
            JsonSerializer.Serialize(w, spec.Metadata ?? ImmutableSortedDictionary<string, JsonElement>.Empty, RolloutJson.Options);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void Ints(Utf8JsonWriter w, string name, ReadOnlySpan<int> values)
    {
        w.WriteStartArray(name);
        foreach (var value in values) w.WriteNumberValue(value);
        w.WriteEndArray();
    }
}

/// <summary>One line of the token export: a sample of <see cref="Session"/>, <see cref="Tokens"/> (complete, no_logprobs or
/// unavailable) and the session's turns without tokens.</summary>
public sealed record TokenExportRow(SessionState Session, TokenSample Sample, string Tokens, ImmutableList<int> UnavailableTurns);
