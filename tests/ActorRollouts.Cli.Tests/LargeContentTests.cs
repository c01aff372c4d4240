using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Data.Sqlite;

namespace ActorRollouts.Cli.Tests;

/// <summary>Large tool call arguments are journaled once (in the assistant message that carries them; a row that large is
/// stored apart, in pieces in <c>journal_chunks</c>, its row holding the reference), and the file they write is stored once more
/// as its content-addressed blob; the trace still shows the arguments on <c>tool_call_started</c>.
/// (Over 1 MB a file gets no diff; smaller ones also keep their diff, which the journal holds three times today.)</summary>
public class LargeContentTests
{
    [Fact]
    public async Task LargeWriteFile_ArgumentsJournaledOnce_TraceShowsThem_WorkspaceRebuildsTheFile()
    {
        var dir = Cli.NewTempDir();
        var marker = $"marker-{Guid.NewGuid():n}";
        var content = new StringBuilder().Append(marker).Append('\n');
        for (var i = 0; content.Length < 1_200_000; i++) content.Append("line ").Append(i).Append(": the actors keep the journal\n");
        await File.WriteAllTextAsync(Path.Combine(dir, "script.json"), JsonSerializer.Serialize(new
        {
            scenarios = new[]
            {
                new { turns = new object[] { new { tool_calls = new[] { new { name = "write_file", arguments = new { path = "big.txt", content = content.ToString() } } } }, new { content = "Written." } } },
            },
        }));
        await File.WriteAllTextAsync(Path.Combine(dir, "tasks.jsonl"), """{"id":"w","prompt":"write it","tools":["write_file"]}""" + "\n");
        var data = Path.Combine(dir, "data");

        var run = await Cli.RunAsync(["run", Path.Combine(dir, "tasks.jsonl"), "--fake-llm", Path.Combine(dir, "script.json"), "--data-dir", data, "--fleet-id", "big"]);

        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Empty(JournalRowsContaining(data, marker, "journal", "message"));
        Assert.Single(JournalRowsContaining(data, marker, "journal_chunks", "bytes")); // a piece of the answer's row, and no other
        Assert.Equal(["stored-apart.v2"], JournalManifestsAbove(data, 0).Where(m => m.StartsWith("stored", StringComparison.Ordinal)));
        var blob = Assert.Single(Directory.EnumerateFiles(Path.Combine(data, "blobs"), "*", SearchOption.AllDirectories));
        Assert.Equal(content.ToString(), await File.ReadAllTextAsync(blob));

        var trace = await Cli.RunAsync(["trace", "big:w:0", "--data-dir", data]);
        var lines = trace.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!).ToList();
        var asked = lines.Single(l => l["tool_calls"] is not null)["tool_calls"]![0]!;
        var started = lines.Single(l => (string?)l["type"] == "tool_call_started")["data"]!;
        Assert.Equal(((string?)asked["id"], (string?)asked["arguments"]), ((string?)started["tool_call_id"], (string?)started["arguments"]));
        Assert.Contains(marker, (string?)started["arguments"]);

        var rebuilt = await Cli.WorkspaceAsync(data, "big:w:0");
        Assert.Equal(content.ToString(), await File.ReadAllTextAsync(Path.Combine(rebuilt, "big.txt")));
    }

    /// <summary>The rows of <paramref name="table"/> whose <paramref name="column"/> holds <paramref name="text"/>.</summary>
    private static List<string> JournalRowsContaining(string dataDir, string text, string table, string column) =>
        Query(dataDir, $"SELECT rowid FROM {table} WHERE instr({column}, CAST($text AS BLOB)) > 0 ORDER BY rowid", ("$text", text));

    private static List<string> JournalManifestsAbove(string dataDir, long bytes) =>
        Query(dataDir, "SELECT manifest FROM journal WHERE length(message) > $bytes ORDER BY ordering", ("$bytes", bytes));

    private static List<string> Query(string dataDir, string sql, (string Name, object Value) parameter)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(dataDir, "journal.db")};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Parameters.AddWithValue(parameter.Name, parameter.Value);
        var values = new List<string>();
        using var reader = command.ExecuteReader();
        while (reader.Read()) values.Add(Convert.ToString(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture)!);
        return values;
    }
}
