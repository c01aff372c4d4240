using System.Text.Json;
using ActorRollouts.Actors.Serialization;
using ActorRollouts.Core.Json;
using ActorRollouts.Core.Sessions;
using Akka.Actor;
using Akka.TestKit.Xunit2;
using static ActorRollouts.Core.Sessions.SessionEvents;

namespace ActorRollouts.Actors.Tests;

public class RolloutEventSerializerTests() : TestKit(TestSystems.Config())
{
    public static TheoryData<string> Manifests() => [.. RolloutEventSerializer.Manifests.Values];

    private RolloutEventSerializer Serializer => new((ExtendedActorSystem)Sys);

    [Theory]
    [MemberData(nameof(Manifests))]
    public void RoundTrip_EveryEventType_GivesAnEqualEvent(string manifest)
    {
        var samples = SampleEvents.All().Where(e => RolloutEventSerializer.Manifests[e.GetType()] == manifest).ToList();
        Assert.NotEmpty(samples); // every manifest has a sample, so a new event type cannot skip this test

        foreach (var original in samples)
        {
            var bytes = Serializer.ToBinary(original);
            var back = Serializer.FromBinary(bytes, Serializer.Manifest(original));

            Assert.IsType(original.GetType(), back);
            // Records holding immutable collections compare those by reference, so compare the full JSON instead:
            // a field lost or changed on the way back shows up as a difference.
            Assert.Equal(Json(original), Json(back));
            if (original is IRolloutEvent e) Assert.Equal(e.Timestamp, ((IRolloutEvent)back).Timestamp);
        }
    }

    /// <summary>A tool message's text is its result's content: the journal stores it once (issue 11's bytes per step).</summary>
    [Fact]
    public void ToolMessage_StoresItsResultsTextOnce_AndReadsBackWhole()
    {
        var text = string.Concat(Enumerable.Repeat("a line the read_file tool returned\n", 40));
        var result = new Core.Model.ToolResult(true, "read_file", text, "call_9");
        var appended = new MessageAppended(Core.Model.Message.ToolMessage(result), DateTimeOffset.UnixEpoch);

        var bytes = Serializer.ToBinary(appended);
        var back = (MessageAppended)Serializer.FromBinary(bytes, Serializer.Manifest(appended));

        Assert.Equal(RolloutEventSerializer.CompactToolMessage, Serializer.Manifest(appended));
        Assert.Equal(1, Occurrences(System.Text.Encoding.UTF8.GetString(bytes), JsonSerializer.Serialize(text)[1..^1]));
        Assert.Equal(Json(appended), Json(back));
        Assert.Equal(text, back.Message.Content);
    }

    [Fact]
    public void ToolMessage_AsOlderBuildsStoredIt_WithItsTextTwice_StillReads()
    {
        var result = new Core.Model.ToolResult(true, "read_file", "alpha\n", "call_9");
        var appended = new MessageAppended(Core.Model.Message.ToolMessage(result), DateTimeOffset.UnixEpoch);
        var v1 = JsonSerializer.SerializeToUtf8Bytes(appended, RolloutJson.Options);

        var back = (MessageAppended)Serializer.FromBinary(v1, "message-appended.v1");

        Assert.Equal(Json(appended), Json(back));
    }

    [Fact]
    public void ToolMessage_WhoseTextIsNotItsResults_KeepsBoth()
    {
        var result = new Core.Model.ToolResult(true, "read_file", "alpha\n", "call_9");
        var appended = new MessageAppended(Core.Model.Message.ToolMessage(result) with { Content = "edited by hand" }, DateTimeOffset.UnixEpoch);

        var back = (MessageAppended)Serializer.FromBinary(Serializer.ToBinary(appended), Serializer.Manifest(appended));

        Assert.Equal("message-appended.v1", Serializer.Manifest(appended));
        Assert.Equal(("edited by hand", "alpha\n"), (back.Message.Content, back.Message.ToolResult!.Content));
    }

    private static int Occurrences(string haystack, string needle) =>
        (haystack.Length - haystack.Replace(needle, "").Length) / needle.Length;

    [Fact]
    public void RoundTrip_ImmutableCollections_SurviveWithTheirContents()
    {
        var started = SampleEvents.All().OfType<SessionStarted>().Single();

        var back = (SessionStarted)Serializer.FromBinary(Serializer.ToBinary(started), "session-started.v1");

        Assert.Equal(["read_file", "write_file"], back.Spec.Tools);
        Assert.Equal("hard", back.Spec.Metadata!["difficulty"].GetString());
        Assert.Equal(2, back.Spec.Metadata["tags"][1].GetProperty("b").GetInt32());
    }

    [Fact]
    public void Serialization_EventMarker_IsBoundToOurSerializerInHocon()
    {
        foreach (var e in SampleEvents.All())
            Assert.IsType<RolloutEventSerializer>(Sys.Serialization.FindSerializerFor(e));
        Assert.Contains(SampleEvents.All(), o => o is SessionState); // snapshots too
    }

    [Fact]
    public void Manifest_IsVersionedAndNeverATypeName()
    {
        Assert.All(RolloutEventSerializer.Manifests.Values, m => Assert.Matches(@"^[a-z-]+\.v\d+$", m));
        Assert.Equal("session-started.v1", Serializer.Manifest(SampleEvents.All().First()));
    }

    [Fact]
    public void FromBinary_UnknownManifest_FailsClearly()
    {
        var ex = Assert.ThrowsAny<Exception>(() => Serializer.FromBinary("{}"u8.ToArray(), "session-exploded.v9"));

        Assert.Contains("session-exploded.v9", ex.Message);
    }

    [Fact]
    public void ToBinary_WritesSnakeCaseJson()
    {
        var json = System.Text.Encoding.UTF8.GetString(Serializer.ToBinary(new ToolCallStarted("c1", "read_file", "{}", DateTimeOffset.UnixEpoch)));

        Assert.Contains("\"tool_call_id\":\"c1\"", json);
    }

    /// <summary>A batch's JSON is its events' (its own type only has them as the interface).</summary>
    private static string Json(object o) =>
        o is EventBatch batch ? string.Join("\n", batch.Events.Select(Json)) : JsonSerializer.Serialize(o, o.GetType(), RolloutJson.Options);

    /// <summary>A step's write is one row, and a tool result's text is in it once although three of the step's events
    /// hold it (the result, the tool message, and the trace's lines made from them).</summary>
    [Fact]
    public void StepRow_HoldsEveryEventOfTheWrite_AndAToolResultsTextOnce()
    {
        var text = string.Concat(Enumerable.Repeat("a line the read_file tool returned\n", 40));
        var result = new Core.Model.ToolResult(true, "read_file", text, "call_9");
        var at = DateTimeOffset.UnixEpoch;
        ISessionEvent[] step =
        [
            new ToolCallCompleted(result, 3, at),
            new MessageAppended(Core.Model.Message.ToolMessage(result), at),
            new ModelRequestStarted(2, 1, "chat", "gpt-4o", at),
        ];

        var row = CoarseEvents.Row(step);
        var bytes = Serializer.ToBinary(row);
        var back = (ISessionEvent)Serializer.FromBinary(bytes, Serializer.Manifest(row));

        Assert.Equal("event-batch.v1", Serializer.Manifest(row));
        Assert.Equal(1, Occurrences(System.Text.Encoding.UTF8.GetString(bytes), JsonSerializer.Serialize(text)[1..^1]));
        Assert.Equal(string.Join("\n", step.Select(Json)), string.Join("\n", CoarseEvents.Expand(back).Select(Json)));
    }

    /// <summary>A model reply with arguments larger than the serializer's pooled blocks (a model writing a whole file):
    /// one row, exactly the bytes each event would have on its own, and the same arguments back.</summary>
    [Fact]
    public void StepRow_WithLargeArguments_IsEachEventsOwnJson_AndReadsBackExactly()
    {
        var content = string.Concat(Enumerable.Range(0, 30_000).Select(i => $"line {i}: \"é\" \\ 😀\t\n"));
        var call = new Core.Model.ToolCall("call_1", "write_file", JsonSerializer.Serialize(new { path = "big.txt", content }));
        var at = DateTimeOffset.UnixEpoch;
        ISessionEvent[] step =
        [
            new ModelResponseReceived(1, "chatcmpl-1", new Core.Model.Usage(10, 20, 0, 0), "tool_calls", 5, at),
            new MessageAppended(Core.Model.Message.Assistant(null, [call]), at),
            new UsageUpdated(new Core.Model.Usage(10, 20, 0, 0), 0m, at),
            new ToolCallStarted("call_1", "write_file", null, at),
        ];

        var row = CoarseEvents.Row(step);
        var bytes = Serializer.ToBinary(row);
        var back = CoarseEvents.Expand((ISessionEvent)Serializer.FromBinary(bytes, Serializer.Manifest(row))).ToList();

        Assert.True(bytes.Length > 1_000_000, $"{bytes.Length} bytes");
        using var document = JsonDocument.Parse(bytes);
        var stored = document.RootElement.GetProperty("events").EnumerateArray()
            .Select(e => System.Text.Encoding.UTF8.GetString(Serializer.ToBinary(Serializer.FromBinary(System.Text.Encoding.UTF8.GetBytes(e.GetProperty("event").GetRawText()), e.GetProperty("manifest").GetString()!))));
        Assert.Equal(document.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event").GetRawText()), stored);
        Assert.Equal(call, ((MessageAppended)back[1]).Message.ToolCalls![0]);
        Assert.Equal(string.Join("\n", step.Select(Json)), string.Join("\n", back.Select(Json)));
    }
}
