"""Generator, encoder, decoder heads, action spec and discriminator."""
import chainer
import chainer.functions as F
import numpy as np
import pytest

from chainer_spiral.models import ActionSpec, Discriminator, Generator
from chainer_spiral.models.action_spec import PAPER_SIZES


def make_generator(imsize=64, R=32, kind='spiral', channels=1, seed=0, **kwargs):
    np.random.seed(seed)
    return Generator(imsize, channels, ActionSpec(kind, R), **kwargs)


def run_policy(gen, images, feats, greedy=True):
    """One step from the zero state: (actions, log_prob, entropy, value) arrays."""
    with chainer.no_backprop_mode():
        g_pi, g_v = gen.encode(images, feats)
        z, value, _ = gen.step(g_pi, g_v, gen.initial_state(len(images)))
        acts, lp, ent = gen.decoder(z, lambda head, log_p: log_p.argmax(axis=1))
    return acts, lp.array, ent.array, value.array


def reference_policy_encoder(gen, images, feats):
    """The policy encoder written the plain way: NCHW Chainer convs, the action embedding
    broadcast and added to the first feature map (as chainer_spiral does)."""
    enc = gen.encoder.pi

    def conv(h, link, stride):
        return F.convolution_2d(h, F.transpose(link.W, (3, 2, 0, 1)), link.b, stride=stride)

    h = F.relu(conv(F.transpose(images, (0, 3, 1, 2)), enc.first, 1))
    e = F.relu(enc.embed(feats))
    h = h + F.broadcast_to(F.reshape(e, e.shape + (1, 1)), h.shape)
    for link in (enc.c2, enc.c3, enc.c4):
        h = F.relu(conv(h, link, 2))
    flat = F.reshape(F.transpose(h, (0, 2, 3, 1)), (len(images), -1))
    return F.relu(enc.out(flat))


def test_twin_encoder_equals_the_plain_encoder():
    gen = make_generator()
    rng = np.random.RandomState(0)
    images = rng.rand(3, 64, 64, 1).astype(np.float32)
    feats = rng.rand(3, 2).astype(np.float32)
    z_pi, z_v = gen.encoder(images, feats)
    assert z_pi.shape == (3, 256) and z_v.shape == (3, 128)
    np.testing.assert_allclose(z_pi.array, reference_policy_encoder(gen, images, feats).array,
                               rtol=1e-4, atol=1e-5)


def test_twin_encoder_gradients_equal_the_plain_encoders():
    gen = make_generator()
    rng = np.random.RandomState(1)
    images = rng.rand(2, 64, 64, 1).astype(np.float32)
    feats = rng.rand(2, 2).astype(np.float32)
    g = rng.randn(2, 256).astype(np.float32)
    grads = []
    for encode in (lambda: gen.encoder(images, feats)[0],
                   lambda: reference_policy_encoder(gen, images, feats)):
        gen.cleargrads()
        F.sum(encode() * g).backward()
        grads.append({n: p.grad.copy() for n, p in gen.encoder.pi.namedparams()})
    for name in grads[0]:
        np.testing.assert_allclose(grads[0][name], grads[1][name], rtol=1e-4, atol=1e-5,
                                   err_msg=name)
    assert all(np.abs(grad).sum() > 0 for grad in grads[0].values())


@pytest.mark.parametrize('imsize, conditional', [(64, False), (40, True)])
def test_given_maps_give_the_recomputed_outputs_and_gradients(imsize, conditional):
    gen = make_generator(imsize=imsize, R=8, conditional=conditional)
    rng = np.random.RandomState(2)
    images = rng.rand(3, imsize, imsize, 2 if conditional else 1).astype(np.float32)
    feats = rng.rand(3, 2).astype(np.float32)
    g = rng.randn(3, 1024).astype(np.float32), rng.randn(3, 512).astype(np.float32)
    with chainer.no_backprop_mode():
        maps = [m.array for m in gen.encode_with_maps(images, feats)[2]]
    assert [m.shape[1:] for m in maps] == gen.encoder.map_shapes
    assert [m.shape[1] for m in maps] == [(imsize - 8) // 2 + 1, (imsize - 16) // 4 + 1,
                                          (imsize - 32) // 8 + 1]
    runs = []
    for given in (None, maps):
        gen.cleargrads()
        g_pi, g_v, _ = gen.encode_with_maps(images, feats, given)
        (F.sum(g_pi * g[0]) + F.sum(g_v * g[1])).backward()
        runs.append((g_pi.array, {n: p.grad.copy() for n, p in gen.namedparams()
                                  if p.grad is not None}))
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    assert runs[0][1].keys() == runs[1][1].keys() and len(runs[0][1]) > 10
    for name, grad in runs[0][1].items():
        np.testing.assert_allclose(runs[1][1][name], grad, rtol=1e-5, atol=1e-7, err_msg=name)


def test_field_embedding_is_one_linear_per_field():
    gen = make_generator()
    emb = gen.encoder.pi.embed
    feats = np.array([[0.5, 1.0]], np.float32)
    out = emb(feats).array[0]
    W, b = emb.linear.W.array, emb.linear.b.array
    np.testing.assert_allclose(out[:16], W[:16, 0] * 0.5 + b[:16], rtol=1e-6)
    np.testing.assert_allclose(out[16:], W[16:, 1] * 1.0 + b[16:], rtol=1e-6)


@pytest.mark.parametrize('imsize, R, kind', [(64, 32, 'spiral'), (64, 32, 'paper'),
                                             (3, 3, 'spiral'), (3, 3, 'paper'),
                                             (32, 16, 'spiral'), (28, 14, 'spiral'),
                                             (16, 8, 'paper')])
def test_policy_shapes_and_valid_greedy_actions(imsize, R, kind):
    gen = make_generator(imsize, R, kind)
    spec = gen.spec
    images = np.random.RandomState(0).rand(2, imsize, imsize, 1).astype(np.float32)
    acts, lp, ent, value = run_policy(gen, images, np.zeros((2, len(spec.heads)), np.float32))
    assert set(acts) == set(spec.names)
    for head in spec.heads:
        assert acts[head.name].shape == (2,)
        assert ((0 <= acts[head.name]) & (acts[head.name] < head.size)).all()
    assert lp.shape == ent.shape == value.shape == (2,)
    assert (lp <= 0).all() and (ent > 0).all()
    # The entropies of the heads sum to at most the sum of log(sizes).
    assert (ent <= sum(np.log(h.size) for h in spec.heads) + 1e-4).all()


def test_grid_head_uses_deconvolutions_at_r32_and_a_linear_layer_at_r3():
    assert make_generator(64, 32).decoder.heads[0].deconv
    assert len(make_generator(64, 32).decoder.heads[0].ups) == 4
    assert not make_generator(3, 3).decoder.heads[0].deconv


def test_flag_is_conditioned_on_the_chosen_position():
    gen = make_generator(3, 3)
    z = np.random.RandomState(0).randn(1, 256).astype(np.float32)
    flag_log_p = {}
    for position in (0, 8):
        def choose(head, log_p, position=position):
            if head.name == 'position':
                return np.array([position])
            flag_log_p[position] = log_p.copy()
            return np.array([0])
        with chainer.no_backprop_mode():
            gen.decoder(z, choose)
    assert not np.allclose(flag_log_p[0], flag_log_p[8])


@pytest.mark.parametrize('imsize, R', [(64, 32), (3, 3)])
def test_blind_policy_ignores_the_canvas_but_the_value_does_not(imsize, R):
    gen = make_generator(imsize, R, blind=True)
    rng = np.random.RandomState(0)
    a, b = rng.rand(2, 1, imsize, imsize, 1).astype(np.float32)
    feats = np.zeros((1, 2), np.float32)
    run_a, run_b = run_policy(gen, a, feats), run_policy(gen, b, feats)
    np.testing.assert_array_equal(run_a[1], run_b[1])  # log-probabilities
    assert run_a[3] != run_b[3]  # values


def test_conditional_policy_sees_the_target():
    gen = make_generator(64, 32, conditional=True)
    rng = np.random.RandomState(0)
    canvas = rng.rand(1, 64, 64, 1).astype(np.float32)
    targets = rng.rand(2, 1, 64, 64, 1).astype(np.float32)
    feats = np.zeros((1, 2), np.float32)
    lp = [run_policy(gen, np.concatenate((canvas, t), axis=3), feats)[1] for t in targets]
    assert lp[0] != lp[1]


def test_action_spec_features_and_env_actions():
    spec = ActionSpec('spiral', 32, pressure=0.5, color=(1.0, 0.0, 0.0))
    acts = {'position': np.array([0, 512, 1023]), 'prob': np.array([0, 1, 1])}
    np.testing.assert_allclose(spec.features(acts),
                               [[0, 0], [0.5, 1], [1023 / 1024, 1]], rtol=1e-6)
    env_action = spec.to_env(acts, 1)
    assert env_action['position'] == 512 and env_action['prob'] == 1
    np.testing.assert_array_equal(env_action['pressure'], [0.5])
    np.testing.assert_array_equal(env_action['color'], [1, 0, 0])
    paper = ActionSpec('paper', 3)
    assert paper.names == ('end', 'control') + tuple(PAPER_SIZES)
    with pytest.raises(ValueError, match="expected 'spiral' or 'paper', got 'x'"):
        ActionSpec('x', 3)


@pytest.mark.parametrize('imsize, conditional, spectral_norm', [
    (64, False, False), (64, True, False), (3, False, True), (64, False, True)])
def test_discriminator_scores(imsize, conditional, spectral_norm):
    np.random.seed(0)
    dis = Discriminator(imsize, 1, conditional, spectral_norm)
    x = np.random.rand(4, 1, imsize, imsize).astype(np.float32)
    y = dis(x, x if conditional else None)
    assert y.shape == (4,)
    assert np.isfinite(y.array).all()
    dis.cleargrads()  # Chainer fills fresh gradients with NaN
    F.sum(y).backward()
    assert all(p.grad is not None and np.isfinite(p.grad).all() for p in dis.params())
    if conditional:
        with pytest.raises(ValueError, match='expected a target image'):
            dis(x)


@pytest.mark.parametrize('dtype', [np.float32, np.float64])
def test_leaky_relu_equals_chainers_to_the_second_order(dtype):
    from chainer_spiral.models.activations import leaky_relu
    rng = np.random.RandomState(3)
    x0 = rng.randn(4, 5).astype(dtype)
    g = rng.randn(4, 5).astype(dtype)
    results = []
    for fn in (leaky_relu, F.leaky_relu):
        x = chainer.Variable(x0.copy())
        y = fn(x * x - 0.5, slope=0.2) * x  # both sides; second-order terms through x * x
        gx, = chainer.grad([F.sum(y * g)], [x], enable_double_backprop=True)
        ggx, = chainer.grad([F.sum(gx * gx)], [x])
        z = chainer.Variable(np.array([0, 1, -1], dtype))  # the kink is on the slope side
        gz, = chainer.grad([F.sum(fn(z, slope=0.2))], [z])
        results.append((y.array, gx.array, ggx.array, gz.array))
    for ours, ref in zip(*results):
        assert ours.dtype == dtype
        np.testing.assert_array_equal(ours, ref)
