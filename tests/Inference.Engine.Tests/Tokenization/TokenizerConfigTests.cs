using Inference.Engine.Tokenization;
using NUnit.Framework;

namespace Inference.Engine.Tests.Tokenization;

/// <summary>tokenizer_config.json and chat template files.</summary>
[TestFixture]
public sealed class TokenizerConfigTests
{
    private string _folder = null!;

    [SetUp]
    public void CreateFolder()
    {
        _folder = Path.Combine(Path.GetTempPath(), "tok-config-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_folder);
    }

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_folder, recursive: true);

    [Test]
    public void Tiny_chat_config_is_read()
    {
        var config = TokenizerConfig.Load(TokenizerFixtures.ChatFolder);
        Assert.Multiple(() =>
        {
            Assert.That(config.ChatTemplate, Is.EqualTo(
                "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}"));
            Assert.That(config.BosToken, Is.Null);
            Assert.That(config.EosToken, Is.EqualTo("<|im_end|>"));
            Assert.That(config.PadToken, Is.EqualTo("<|endoftext|>"));
            Assert.That(config.UnkToken, Is.Null);
            Assert.That(config.ModelMaxLength, Is.EqualTo(512));
        });
    }

    [Test]
    public void Tiny_embed_config_is_read()
    {
        var config = TokenizerConfig.Load(TokenizerFixtures.EmbedFolder);
        Assert.That(config.ChatTemplate, Is.Null);
        Assert.That(config.UnkToken, Is.EqualTo("[UNK]"));
        Assert.That(config.ModelMaxLength, Is.EqualTo(128));
    }

    [Test]
    public void Named_templates_pick_default_and_token_objects_give_their_content()
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), """
            {
              "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}],
              "bos_token": {"content": "<s>", "lstrip": false, "normalized": false, "rstrip": false, "single_word": false, "__type": "AddedToken"},
              "eos_token": "</s>",
              "model_max_length": 1000000000000000019884624838656
            }
            """);
        var config = TokenizerConfig.Load(_folder);
        Assert.Multiple(() =>
        {
            Assert.That(config.ChatTemplate, Is.EqualTo("D"));
            Assert.That(config.BosToken, Is.EqualTo("<s>"));
            Assert.That(config.EosToken, Is.EqualTo("</s>"));
            Assert.That(config.ModelMaxLength, Is.Null);
        });
    }

    [Test]
    public void Chat_template_jinja_wins()
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), """{"chat_template": "from config"}""");
        File.WriteAllText(Path.Combine(_folder, "chat_template.jinja"), "from jinja");
        Assert.That(TokenizerConfig.Load(_folder).ChatTemplate, Is.EqualTo("from jinja"));
    }

    [Test]
    public void Empty_folder_gives_no_facts()
    {
        Assert.That(TokenizerConfig.Load(_folder), Is.EqualTo(new TokenizerConfig(null, null, null, null, null, null)));
    }
}
