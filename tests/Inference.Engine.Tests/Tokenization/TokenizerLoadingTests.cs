using System.Text.Json.Nodes;
using Inference.Engine.Tokenization;
using NUnit.Framework;

namespace Inference.Engine.Tests.Tokenization;

/// <summary>tokenizer.json variants seen in real model folders, built by editing tiny-chat's file.</summary>
[TestFixture]
public sealed class TokenizerLoadingTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "tok-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Merges_as_strings_give_the_same_ids()
    {
        var json = ChatJson();
        var merges = json["model"]!["merges"]!.AsArray();
        var asStrings = new JsonArray(merges.Select(m => (JsonNode)JsonValue.Create($"{m![0]} {m[1]}")).ToArray());
        json["model"]!["merges"] = asStrings;
        AssertGoldenIds(Load(json));
    }

    [Test]
    public void Sequence_of_split_and_bytelevel_gives_the_same_ids()
    {
        // Qwen2.5 and Llama 3 spell the pre-tokeniser this way.
        var json = ChatJson();
        json["pre_tokenizer"] = JsonNode.Parse($$"""
            {"type": "Sequence", "pretokenizers": [
              {"type": "Split", "pattern": {"Regex": {{JsonValue.Create(BytePreTokenizer.Gpt2Pattern)!.ToJsonString()}}}, "behavior": "Isolated", "invert": false},
              {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": false, "use_regex": false}]}
            """);
        AssertGoldenIds(Load(json));
    }

    [Test]
    public void Ignore_merges_takes_vocabulary_words_whole()
    {
        // Llama 3 sets ignore_merges; for a vocabulary trained with these merges the ids stay the same.
        var json = ChatJson();
        json["model"]!["ignore_merges"] = true;
        var tokenizer = Load(json);
        AssertGoldenIds(tokenizer);
        Assert.That(TokenizerFixtures.ChatTokenizer.TryGetTokenId("Ġcapital", out var id), Is.True);
        Assert.That(tokenizer.Encode(" capital"), Is.EqualTo(new[] { id }));
    }

    [Test]
    public void Nfc_normalizer_composes_before_encoding()
    {
        var json = ChatJson();
        json["normalizer"] = JsonNode.Parse("""{"type": "NFC"}""");
        var tokenizer = Load(json);
        Assert.That(tokenizer.Encode("cafe\u0301 na\u0131\u0308ve"), Is.EqualTo(tokenizer.Encode("caf\u00e9 na\u0131\u0308ve")));
        Assert.That(TokenizerFixtures.ChatTokenizer.Encode("cafe\u0301"), Is.Not.EqualTo(tokenizer.Encode("cafe\u0301")));
    }

    [Test]
    public void Add_prefix_space_prepends_a_space_to_each_text_stretch()
    {
        var json = ChatJson();
        json["pre_tokenizer"]!["add_prefix_space"] = true;
        var tokenizer = Load(json);
        var reference = TokenizerFixtures.ChatTokenizer;
        Assert.That(tokenizer.Encode("Hello"), Is.EqualTo(reference.Encode(" Hello")));
        Assert.That(tokenizer.Encode(" Hello"), Is.EqualTo(reference.Encode(" Hello")));
        Assert.That(tokenizer.Encode("<|im_start|>user"), Is.EqualTo(reference.Encode("<|im_start|> user")));
    }

    [Test]
    public void Added_tokens_that_are_not_special_are_kept_by_skip_and_honour_rstrip()
    {
        var json = ChatJson();
        json["added_tokens"]!.AsArray().Add(JsonNode.Parse(
            """{"id": 2048, "content": "<tool>", "single_word": false, "lstrip": false, "rstrip": true, "normalized": false, "special": false}"""));
        var tokenizer = Load(json);
        var reference = TokenizerFixtures.ChatTokenizer;
        var ids = tokenizer.Encode("a<tool>   b");
        Assert.That(ids, Is.EqualTo(reference.Encode("a").Append(2048).Concat(reference.Encode("b"))));
        Assert.Multiple(() =>
        {
            Assert.That(tokenizer.VocabularySize, Is.EqualTo(2049));
            Assert.That(tokenizer.IsSpecialToken(2048), Is.False);
            Assert.That(tokenizer.Decode(ids, skipSpecialTokens: true), Is.EqualTo("a<tool>b"));
            Assert.That(tokenizer.TryGetTokenId("<tool>", out var id) && id == 2048, Is.True);
        });
    }

    [Test]
    public void Unigram_model_is_refused_naming_the_file()
    {
        var json = ChatJson();
        json["model"] = JsonNode.Parse("""{"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]}""");
        var path = Write(json);
        var ex = Assert.Throws<ModelLoadException>(() => ByteLevelBpeTokenizer.FromTokenizerJson(path));
        Assert.That(ex!.Message, Does.Contain(path).And.Contain("Unigram"));
    }

    [Test]
    public void Metaspace_bpe_with_byte_fallback_is_refused()
    {
        // Llama 2 and Phi-3 style: SentencePiece BPE converted to tokenizer.json.
        var json = ChatJson();
        json["model"]!["byte_fallback"] = true;
        json["pre_tokenizer"] = JsonNode.Parse("""{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": false}""");
        var path = Write(json);
        var ex = Assert.Throws<ModelLoadException>(() => ByteLevelBpeTokenizer.FromTokenizerJson(path));
        Assert.That(ex!.Message, Does.Contain(path).And.Contain("byte_fallback"));
    }

    [Test]
    public void Metaspace_pre_tokenizer_is_refused()
    {
        var json = ChatJson();
        json["pre_tokenizer"] = JsonNode.Parse("""{"type": "Metaspace", "replacement": "\u2581", "prepend_scheme": "first", "split": false}""");
        var path = Write(json);
        var ex = Assert.Throws<ModelLoadException>(() => ByteLevelBpeTokenizer.FromTokenizerJson(path));
        Assert.That(ex!.Message, Does.Contain(path).And.Contain("Metaspace"));
    }

    [Test]
    public void Missing_or_malformed_files_are_refused()
    {
        var missing = Path.Combine(_folder, "absent.json");
        Assert.That(Assert.Throws<ModelLoadException>(() => ByteLevelBpeTokenizer.FromTokenizerJson(missing))!.Message, Does.Contain(missing));
        var broken = Path.Combine(_folder, "broken.json");
        File.WriteAllText(broken, "{ not json");
        Assert.That(Assert.Throws<ModelLoadException>(() => ByteLevelBpeTokenizer.FromTokenizerJson(broken))!.Message, Does.Contain(broken));
        Assert.Throws<ModelLoadException>(() => BertWordPieceTokenizer.FromModelFolder(_folder));
    }

    [Test]
    public void Chat_tokenizer_json_is_refused_by_the_wordpiece_loader()
    {
        File.Copy(Path.Combine(TokenizerFixtures.ChatFolder, "tokenizer.json"), Path.Combine(_folder, "tokenizer.json"));
        var ex = Assert.Throws<ModelLoadException>(() => BertWordPieceTokenizer.FromModelFolder(_folder));
        Assert.That(ex!.Message, Does.Contain("BPE"));
    }

    private static JsonNode ChatJson() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(TokenizerFixtures.ChatFolder, "tokenizer.json")))!;

    private static void AssertGoldenIds(ByteLevelBpeTokenizer tokenizer)
    {
        Assert.Multiple(() =>
        {
            foreach (var node in TokenizerFixtures.ChatGolden["tokenizer_cases"]!.AsArray())
            {
                var text = node!["text"]!.GetValue<string>();
                Assert.That(tokenizer.Encode(text), Is.EqualTo(TokenizerFixtures.Ids(node["ids"])), text);
            }

            foreach (var node in TokenizerFixtures.ChatGolden["cases"]!.AsArray().Where(n => n!["prompt_text"] is not null))
            {
                Assert.That(tokenizer.Encode(node!["prompt_text"]!.GetValue<string>()), Is.EqualTo(TokenizerFixtures.Ids(node["prompt_ids"])),
                    node["name"]!.GetValue<string>());
            }
        });
    }

    private string Write(JsonNode json)
    {
        var path = Path.Combine(_folder, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        return path;
    }

    private ByteLevelBpeTokenizer Load(JsonNode json) => ByteLevelBpeTokenizer.FromTokenizerJson(Write(json));
}
