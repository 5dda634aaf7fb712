from setuptools import find_packages, setup

setup(
    name='chainer-spiral',
    version='0.1.0',
    description='SPIRAL (Ganin et al., ICML 2018) on ChainerRL A3C and the libmypaint brush engine',
    packages=find_packages(include=['chainer_spiral', 'chainer_spiral.*']),
    package_data={'chainer_spiral.envs': ['brushes/*.myb'],
                  'chainer_spiral.serve': ['static/*'],
                  'chainer_spiral.evaluation': ['classifiers/*.npz', 'classifiers/*.json']},
    python_requires='==3.11.*',
    install_requires=[
        'chainer==7.8.1',
        'chainerrl==0.8.0',
        'numpy<2',
        'gym==0.17.3',
        'cffi>=1.15',
        'opencv-python-headless',
        'imageio',
        'imageio-ffmpeg',
        'pyyaml',
        'tqdm',
        'tensorboardX',
        'matplotlib',
        'psutil',
        'threadpoolctl',
    ],
    extras_require={'test': ['pytest', 'pytest-xdist', 'httpx'], 'ray': ['ray[default]'],  # ray: train.backend ray
                    # serve: `chainer-spiral serve`; browser: its tests in Debian's chromium
                    'serve': ['starlette', 'uvicorn', 'pillow'], 'browser': ['playwright']},
    setup_requires=['cffi>=1.15'],
    cffi_modules=['chainer_spiral/envs/_mypaint_build.py:ffibuilder',
                  'chainer_spiral/models/_conv_build.py:ffibuilder'],
    entry_points={'console_scripts': ['chainer-spiral=chainer_spiral.cli:main']},
)
