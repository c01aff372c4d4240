namespace ActorRollouts.FakeLlm.Tests;

public class FakeScriptTests
{
    [Fact]
    public void Load_MalformedJson_NamesFileAndLine()
    {
        var path = Path.Combine(Path.GetTempPath(), $"bad-script-{Guid.NewGuid():n}.json");
        File.WriteAllText(path, "{\n  \"scenarios\": [\n    { \"turns\": [ { \"content\": \"x\" } ] },,\n  ]\n}");

        var error = Assert.Throws<FakeScriptException>(() => FakeScript.Load(path));

        Assert.Contains(path, error.Message);
        Assert.Contains("line 3", error.Message);
    }

    [Theory]
    [InlineData("{}", "non-empty \"scenarios\"")]
    [InlineData("""{"scenarios":[{"match":"a"}]}""", "needs a \"turns\" array")]
    [InlineData("""{"scenarios":[{"turns":[{}]}]}""", "needs \"content\", \"tool_calls\" or a \"fault\"")]
    [InlineData("""{"scenarios":[{"turns":[{"tool_calls":[{"arguments":{}}]}]}]}""", "needs a \"name\"")]
    public void Parse_InvalidScript_SaysWhatIsMissing(string json, string expected)
    {
        Assert.Contains(expected, Assert.Throws<FakeScriptException>(() => FakeScript.Parse(json)).Message);
    }

    [Theory]
    [InlineData("""{"scenarios":[{"template":"x","turns":[{"content":"a"}]}]}""", "scenarios[0].template must be \"chatml\" or \"drop_think\"")]
    [InlineData("""{"scenarios":[{"turns":[{"content":"a"},{"content":"b","retokenize":"yes"}]}]}""", "scenarios[0].turns[1].retokenize must be true or false")]
    public void Parse_BadTokenOption_NamesTheField(string json, string expected)
    {
        Assert.Contains(expected, Assert.Throws<FakeScriptException>(() => FakeScript.Parse(json)).Message);
    }

    [Fact]
    public void Parse_TokenOptions_DefaultToChatMlWithoutDrift()
    {
        var script = FakeScript.Parse("""{"scenarios":[{"turns":[{"content":"a"}]},{"template":"drop_think","turns":[{"content":"b","retokenize":true}]}]}""");

        Assert.Equal((FakeTemplateStyle.ChatMl, false), (script.Scenarios[0].Template, script.Scenarios[0].Turns[0].Retokenize));
        Assert.Equal((FakeTemplateStyle.DropThink, true), (script.Scenarios[1].Template, script.Scenarios[1].Turns[0].Retokenize));
    }

    [Fact]
    public void Load_MissingFile_IsClear()
    {
        Assert.Contains("does not exist", Assert.Throws<FakeScriptException>(() => FakeScript.Load("/nope/script.json")).Message);
    }

    [Fact]
    public void Parse_ExampleScript_HasThreeScenarios()
    {
        var root = new DirectoryInfo(AppContext.BaseDirectory);
        while (!File.Exists(Path.Combine(root.FullName, "ActorRollouts.sln"))) root = root.Parent!;

        var script = FakeScript.Load(Path.Combine(root.FullName, "examples", "fake-llm.json"));

        Assert.Equal(3, script.Scenarios.Count);
        Assert.All(script.Scenarios, s => Assert.Equal(4, s.Turns.Count));
    }
}
