"""
The textbook network, by hand
=============================

The worked examples of the classic introduction, built with
``from_weights``: inputs [2, 3], hidden node 0 with incoming weights [1, 1],
node 1 with [-1, 1], and output weights [2, -1]. The first figure draws
the network with its weights and values; the second sweeps the first input
and shows how the activation function bends what is otherwise a straight
line.
"""

import matplotlib.pyplot as plt
import numpy as np

from sknn_scratch import MLPRegressor, check_gradients
from sknn_scratch.plot import plot_network

coefs = [np.column_stack([[1, 1], [-1, 1]]), np.column_stack([[2, -1]])]
for activation in ["identity", "relu", "tanh"]:
    net = MLPRegressor.from_weights(coefs, activation=activation)
    hidden = net.hidden_activations([[2, 3]])[0]
    print(
        f"{activation:<8} hidden {hidden.ravel()}  output {net.predict([[2, 3]])[0]:.4f}  "
        f"gradient check {check_gradients(net, [[2, 3]], [1.0]):.1e}"
    )

# %%
# The network, drawn by ``plot_network``: each connection carries its weight
# (blue positive, red negative, thicker when larger), each node its value for
# the input [2, 3], with the relu activation. Both hidden sums are positive,
# so relu passes them on unchanged and the output is 9, as with the identity.
relu_net = MLPRegressor.from_weights(coefs, activation="relu")
display = plot_network(relu_net, [2, 3])
assert display.node_texts_[2, 0].get_text() == "9"
plt.show()

# %%
# Sweeping the first input, with the second fixed at 3.
x0 = np.linspace(-6, 6, 200)
inputs = np.c_[x0, np.full_like(x0, 3)]
fig, ax = plt.subplots(figsize=(6, 4))
for activation in ["identity", "relu", "tanh"]:
    net = MLPRegressor.from_weights(coefs, activation=activation)
    ax.plot(x0, net.predict(inputs), label=activation)
ax.axvline(2, color="k", linestyle=":", label="the example, x = [2, 3]")
ax.set(xlabel="first input", ylabel="network output")
ax.legend()
plt.show()
