"""Exporting a trained model for prediction, where Caffe2 kept it: ``predictor``.

Caffe2 tutorials import ``caffe2.python.predictor.predictor_exporter as pe``; write
``import graphlab.predictor.predictor_exporter as pe`` instead.
"""
