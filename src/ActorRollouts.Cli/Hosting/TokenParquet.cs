using System.Text.Json;
using System.Text.Json.Serialization;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using ActorRollouts.Core.Tokens;
using Parquet.Serialization;

namespace ActorRollouts.Cli.Hosting;

/// <summary><c>export --format tokens-parquet</c>: the token export's columns as a Parquet file (lists of int32 and float,
/// the layout verl and SkyRL read their data from; pandas, pyarrow and datasets read it as it is). <c>metadata</c> is the
/// task's metadata as a JSON text, since its shape differs from task to task.</summary>
public static class TokenParquet
{
    public static async Task WriteAsync(IEnumerable<SessionState> sessions, Stream output)
    {
        var rows = sessions.SelectMany(TokenExport.Rows).Select(Row).ToList();
        await ParquetSerializer.SerializeAsync(rows, output);
    }

    public static async Task<IList<TokenSampleRow>> ReadAsync(Stream input) => (await ParquetSerializer.DeserializeAsync<TokenSampleRow>(input)).Data;

    private static TokenSampleRow Row(TokenExportRow row)
    {
        var (session, sample, tokens, gaps) = row;
        return new TokenSampleRow
        {
            SessionId = session.Spec!.SessionId, SampleIndex = sample.SampleIndex, TaskId = session.Spec.TaskId, Sample = session.Spec.Sample,
            Tokens = tokens, PromptIds = [.. sample.PromptIds], ResponseIds = [.. sample.ResponseIds], ResponseMask = [.. sample.ResponseMask.Select(m => (int)m)],
            ResponseLogprobs = [.. sample.ResponseLogprobs], PolicyVersions = [.. sample.PolicyVersions], Turns = [.. sample.Turns],
            StartReason = sample.StartReason, Drift = sample.Drift, UnavailableTurns = [.. gaps], Reward = session.Reward,
            Status = Core.Fleets.SessionOutcomes.Of(session.Status), StopReason = session.StopReason,
            Metadata = JsonSerializer.Serialize(session.Spec.Metadata ?? System.Collections.Immutable.ImmutableSortedDictionary<string, JsonElement>.Empty, RolloutJson.Options),
        };
    }
}

/// <summary>One row of the Parquet token export: the JSON export's fields, by the same names.</summary>
public sealed class TokenSampleRow
{
    [JsonPropertyName("session_id")] public string SessionId { get; set; } = "";
    [JsonPropertyName("sample_index")] public int SampleIndex { get; set; }
    [JsonPropertyName("task_id")] public string TaskId { get; set; } = "";
    [JsonPropertyName("sample")] public int Sample { get; set; }
    [JsonPropertyName("tokens")] public string Tokens { get; set; } = "";
    [JsonPropertyName("prompt_ids")] public List<int> PromptIds { get; set; } = [];
    [JsonPropertyName("response_ids")] public List<int> ResponseIds { get; set; } = [];
    [JsonPropertyName("response_mask")] public List<int> ResponseMask { get; set; } = [];
    [JsonPropertyName("response_logprobs")] public List<float> ResponseLogprobs { get; set; } = [];
    [JsonPropertyName("policy_versions")] public List<int> PolicyVersions { get; set; } = [];
    [JsonPropertyName("turns")] public List<int> Turns { get; set; } = [];
    [JsonPropertyName("start_reason")] public string StartReason { get; set; } = "";
    [JsonPropertyName("drift")] public int? Drift { get; set; }
    [JsonPropertyName("unavailable_turns")] public List<int> UnavailableTurns { get; set; } = [];
    [JsonPropertyName("reward")] public double? Reward { get; set; }
    [JsonPropertyName("status")] public string Status { get; set; } = "";
    [JsonPropertyName("stop_reason")] public string? StopReason { get; set; }
    [JsonPropertyName("metadata")] public string Metadata { get; set; } = "{}";
}
